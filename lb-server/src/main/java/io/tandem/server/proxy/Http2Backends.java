package io.tandem.server.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.pool.Backend;
import io.tandem.server.Buffers;
import io.tandem.server.Transport;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.tls.BackendTls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 to the backends of an {@code h2c} or {@code h2} pool: each event loop keeps its own connections to each
 * backend (DESIGN.md decision 1: a request never leaves its client's loop), and an exchange's "backend
 * connection" is a stream on one of them ({@link Http2BackendStream}). A connection carries streams up to
 * the backend's SETTINGS_MAX_CONCURRENT_STREAMS; beyond, another connection is opened, so a loop has as
 * few connections per backend as its concurrent requests need. A connection that got GOAWAY, or closed,
 * takes no new stream; one without streams and without a byte from the backend for the pool's
 * {@code timeouts.idle} closes. Opening a connection is the stream's connect: a refused or timed-out connect is
 * the exchange's connect failure, retried like an HTTP/1.1 one. While a connection is being opened (connect,
 * and for h2 the handshake), up to {@link #MAX_WAITING} new streams to its backend wait for it rather than
 * each opening a connection of its own, so a burst of requests to a cold backend opens one connection, not
 * one per request; if it fails, each waiting stream fails as its own connect would have.
 *
 * <p>For {@code h2} the pool's {@link BackendTls} secures the connection first (verification, SNI, client
 * certificate, ALPN offering only h2) and the HTTP/2 codec joins only once the handshake selected h2; until
 * then the connection offers no room for a stream, and a failed handshake (a wrong CA, or a backend that did
 * not select h2) fails the exchange's connect like a refused one.
 *
 * <p>Confined to its event loop (a {@link FastThreadLocal}).
 */
final class Http2Backends {

    private static final FastThreadLocal<Http2Backends> CURRENT = new FastThreadLocal<>() {
        @Override
        protected Http2Backends initialValue() {
            return new Http2Backends();
        }
    };

    /**
     * Streams that wait for one connection being opened, its own first stream included: 100, the least
     * SETTINGS_MAX_CONCURRENT_STREAMS RFC 9113 (section 6.5.2) recommends a server to allow, as the
     * backend's SETTINGS are not known before the connection is open.
     */
    static final int MAX_WAITING = 100;

    private final Map<Backend, List<Channel>> connections = new HashMap<>();
    /** Connections being opened, with how many streams wait for each. */
    private final Map<Channel, Opening> opening = new HashMap<>();

    /** A connection being opened: the future of its being ready for HTTP/2, and the streams waiting for it. */
    private static final class Opening {
        final ChannelFuture ready;
        int waiting = 1;

        Opening(ChannelFuture ready) {
            this.ready = ready;
        }
    }

    /** The calling loop's connections. */
    static Http2Backends current() {
        return CURRENT.get();
    }

    /**
     * A new stream to {@code backend}, on a connection of this loop that has room for one, or on a new
     * connection; the future completes with the stream's channel (its pipeline ready) or the failure.
     */
    ChannelFuture open(Backend backend, PoolSettings settings, BackendMeters meters, EventLoop loop,
                       Transport transport) {
        Channel parent = withRoom(backend);
        if (parent != null) {
            StreamPromise stream = new StreamPromise(parent);
            openStream(parent, stream, settings.tls() != null);
            return stream;
        }
        Channel pending = openingWithRoom(backend);
        if (pending != null) {
            Opening o = opening.get(pending);
            o.waiting++;
            StreamPromise stream = new StreamPromise(pending);
            boolean tls = settings.tls() != null;
            o.ready.addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    openStream(f.channel(), stream, tls);
                } else {
                    stream.tryFailure(f.cause());
                }
            });
            return stream;
        }
        BackendTls tls = settings.tls();
        long start = System.nanoTime();
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                .option(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls == null) {
                            addHttp2(ch, settings);
                        } else {
                            // Until the handshake is done: a failure is the connect future's, not the tail's.
                            ch.pipeline().addLast("h2-backend", new ConnectionEnd());
                        }
                    }
                })
                .connect(backend.socketAddress());
        ChannelFuture ready = connect;
        if (tls != null) {
            ready = tls.secure(connect, backend.address(), start, settings.connectTimeoutMillis(), null);
            ready.addListener(f -> {
                // (A handshake cut by the daemon's own shutdown says nothing of the backend.)
                if (!f.isSuccess() && connect.isSuccess() && !loop.isShuttingDown()) {
                    tls.requestHandshakeFailed(backend.address(), f.cause());
                }
            });
        }
        StreamPromise stream = new StreamPromise(connect.channel());
        List<Channel> list = connections.computeIfAbsent(backend, b -> new ArrayList<>(2));
        list.add(connect.channel());
        connect.channel().closeFuture().addListener(f -> list.remove(connect.channel()));
        opening.put(connect.channel(), new Opening(ready));
        // Registered before any waiting stream's listener: the codec is in place when they open their streams.
        ready.addListener((ChannelFuture f) -> {
            opening.remove(connect.channel());
            if (f.isSuccess()) {
                Channel ch = connect.channel();
                if (tls != null) {
                    ch.pipeline().remove(ConnectionEnd.class);
                    addHttp2(ch, settings);
                }
                meters.connectionOpened();
                ch.closeFuture().addListener(c -> meters.connectionClosed());
                openStream(ch, stream, tls != null);
            } else {
                stream.tryFailure(f.cause());
            }
        });
        return stream;
    }

    /** The HTTP/2 codec and what follows it, on a connection ready for HTTP/2 (connected; with TLS, h2 selected). */
    private static void addHttp2(Channel ch, PoolSettings settings) {
        ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient()
                .headerSensitivityDetector(Http2Frontend.UNIQUE_VALUES)
                .gracefulShutdownTimeoutMillis(0).build());
        ch.pipeline().addLast("h2-streams", new Http2MultiplexHandler(
                new ChannelInboundHandlerAdapter()));
        // Closed after the pool's idle timeout without a byte from the backend and no stream.
        ch.pipeline().addLast("idle", new IdleStateHandler(settings.idleTimeoutMillis(), 0, 0,
                TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("h2-backend", new ConnectionEnd());
    }

    /** A connection to {@code backend} being opened that fewer than {@link #MAX_WAITING} streams wait for, or null. */
    private Channel openingWithRoom(Backend backend) {
        List<Channel> list = connections.get(backend);
        if (list == null) {
            return null;
        }
        for (Channel ch : list) {
            Opening o = opening.get(ch);
            if (o != null && o.waiting < MAX_WAITING && !o.ready.isDone()) {
                return ch;
            }
        }
        return null;
    }

    /** A connection to {@code backend} that is open (or opening), not going away, with room for a stream. */
    private Channel withRoom(Backend backend) {
        List<Channel> list = connections.get(backend);
        if (list == null) {
            return null;
        }
        for (Channel ch : list) {
            ConnectionEnd end = ch.pipeline().get(ConnectionEnd.class);
            if (end == null || end.goneAway || !ch.isOpen()) {
                continue;
            }
            Http2FrameCodec codec = ch.pipeline().get(Http2FrameCodec.class);
            if (!ch.isActive() || codec == null) {
                continue;
            }
            if (codec.connection().local().canOpenStream()) {
                return ch;
            }
        }
        return null;
    }

    private static void openStream(Channel parent, StreamPromise result, boolean tls) {
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast("h2-stream", new Http2ClientStreamCodec(tls))
                                .addLast("backend", new Http2BackendStream());
                    }
                })
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        result.succeed((Http2StreamChannel) f.getNow());
                    } else {
                        result.tryFailure(f.cause());
                    }
                });
    }

    /**
     * The future of a stream: its channel is the stream's once open (the connection's before), so that the
     * exchange finds the stream's {@link BackendConnection} in it as in a socket's.
     */
    static final class StreamPromise extends DefaultChannelPromise {
        private Channel stream;

        StreamPromise(Channel parent) {
            super(parent, parent.eventLoop());
        }

        @Override
        public Channel channel() {
            Channel s = stream;
            return s != null ? s : super.channel();
        }

        void succeed(Channel s) {
            stream = s;
            trySuccess();
        }
    }

    /** The end of a backend connection's pipeline: remembers a GOAWAY and drops what reaches it. */
    static final class ConnectionEnd extends ChannelInboundHandlerAdapter {
        boolean goneAway;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                goneAway = true;
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
