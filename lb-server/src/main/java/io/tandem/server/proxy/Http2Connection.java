package io.tandem.server.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.config.Http2Config;
import io.tandem.core.limit.FrameBudget;
import io.tandem.server.tls.ClientSubject;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection end of an HTTP/2 client connection, behind Netty's frame
 * codec and stream multiplexer (each stream is a child channel with its own
 * {@link FrontendHandler}; see {@link Http2Frontend}). It owns what belongs to
 * the connection rather than a stream: the listener's connection count, the
 * client's address (the socket's, or a PROXY header's) and TLS session for
 * every stream's forwarding headers and log line, and when the connection ends.
 *
 * <p>It ends the connection with GOAWAY: NO_ERROR, gracefully (the streams
 * under way finish, new ones are refused, the client reconnects), at shutdown,
 * at the first stream after a reload (so the client's next streams go on a
 * connection with the new settings), and when idle for the listener's
 * {@code timeouts.idle}; ENHANCE_YOUR_CALM, at once, to a client that floods
 * PING or SETTINGS frames beyond {@code http2.max-control-frames} per second
 * or keeps a response waiting on a zero flow-control window for
 * {@code http2.stall-timeout}. The codec itself answers rapid reset (more
 * RST_STREAMs than {@code max-resets} per {@code reset-window}), header lists
 * over the limit (HPACK bombs, CONTINUATION floods) and control frames the
 * client does not read; those GOAWAYs are counted here by their error code.
 *
 * <p>Confined to the connection's event loop.
 */
final class Http2Connection extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(Http2Connection.class);

    private final ListenerRuntime listener;
    private final Http2FrameCodec codec;
    private final Http2Config config;
    /** The routing in force when the connection began: a different one means a reload since. */
    private final Routing routing;
    private final boolean https;
    private final String protocol;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final String sni;
    /** The client as every stream's forwarding headers, rules and log line read it: worked out once here. */
    private final byte[] clientAddress;
    private final String clientIp;
    private final String forwardedFor;
    private final FrameBudget controlFrames;
    private final long idleNanos;
    private final long stallNanos;
    private ChannelHandlerContext ctx;
    private AccessEntry.TlsSession tlsSession;
    private String clientSubject;
    private boolean counted;
    private boolean goingAway;
    /** The close after GOAWAY is on its way (no stream left open). */
    private boolean closeScheduled;
    private ScheduledFuture<?> tick;
    private long lastStreamNanos;
    /** Since when a stream (or the connection) has had no flow-control window, or -1. */
    private long stalledSince = -1;

    Http2Connection(ListenerRuntime listener, Routing routing, Http2FrameCodec codec, boolean https,
                    InetSocketAddress source, InetSocketAddress destination, String sni) {
        this.listener = listener;
        this.routing = routing;
        this.codec = codec;
        this.config = routing.listener().http2();
        this.https = https;
        this.protocol = https ? "h2" : "h2c";
        this.source = source;
        this.destination = destination;
        this.sni = sni;
        if (source != null && source.getAddress() != null) {
            clientAddress = source.getAddress().getAddress();
            clientIp = source.getAddress().getHostAddress();
            forwardedFor = ForwardedHeaders.forwardedFor(clientIp);
        } else {
            clientAddress = null;
            clientIp = null;
            forwardedFor = null;
        }
        this.controlFrames = new FrameBudget(config.maxControlFrames(), TimeUnit.SECONDS.toNanos(1));
        this.idleNanos = routing.idleTimeoutNanos();
        this.stallNanos = config.stallTimeout().toNanos();
    }

    boolean https() {
        return https;
    }

    /** The client's address and port: the socket's peer, or what a PROXY header said. */
    InetSocketAddress source() {
        return source;
    }

    /** The client's address bytes, or null when the source is not an IP address; streams only read them. */
    byte[] clientAddress() {
        return clientAddress;
    }

    /** The client's address as text, or null as for {@link #clientAddress}. */
    String clientIp() {
        return clientIp;
    }

    /** The {@code Forwarded} element naming the client, or null as for {@link #clientAddress}. */
    String forwardedFor() {
        return forwardedFor;
    }

    /** Where the client connected. */
    InetSocketAddress destination() {
        return destination;
    }

    AccessEntry.TlsSession tlsSession() {
        return tlsSession;
    }

    /** The subject of the client's certificate (mutual TLS), or null. */
    String clientSubject() {
        return clientSubject;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (!listener.connectionOpened(routing.maxConnections())) {
            listener.meters().limited("listener-connections");
            ctx.close();
            return;
        }
        counted = true;
        listener.meters().http2Connection(protocol);
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            SSLSession session = ssl.engine().getSession();
            tlsSession = new AccessEntry.TlsSession(session.getProtocol(), session.getCipherSuite(), sni);
            if (routing.clientCertHeader() != null) {
                clientSubject = ClientSubject.of(ssl);
            }
        }
        // The connection's window beyond the 65,535 bytes every connection starts with (RFC 9113 section 6.9.2).
        int more = config.connectionWindowSize() - 65_535;
        if (more > 0) {
            try {
                Http2Stream connection = codec.connection().connectionStream();
                codec.connection().local().flowController().incrementWindowSize(connection, more);
            } catch (Http2Exception e) {
                throw new IllegalStateException(e);
            }
        }
        lastStreamNanos = ctx.executor().ticker().nanoTime();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(idleNanos, stallNanos) / 4);
        tick = ctx.executor().scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
    }

    /** A stream began (its child channel is being set up): after a reload, it is this connection's last. */
    void streamOpened() {
        lastStreamNanos = ctx.executor().ticker().nanoTime();
        if (listener.routing() != routing && !goingAway) {
            goAway("reload");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if ((msg instanceof Http2PingFrame && !((Http2PingFrame) msg).ack()) || msg instanceof Http2SettingsFrame) {
            if (!controlFrames.spend(ctx.executor().ticker().nanoTime()) && !goingAway) {
                ReferenceCountUtil.release(msg);
                log.debug("{} on listener {}: more than {} PING/SETTINGS frames a second: GOAWAY",
                        source, listener.name(), config.maxControlFrames());
                abuse("control-frame-flood");
                return;
            }
        }
        // PING acknowledgements, SETTINGS, GOAWAY: the codec has acted on them already.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ShutdownEvent.INSTANCE) {
            if (!goingAway) {
                goAway("shutdown");
            }
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The codec sent GOAWAY for a connection error (rapid reset, a header list beyond the limit, a
        // protocol violation) and closes the connection; what is left is to count it.
        Http2Exception h2 = cause instanceof Http2Exception ? (Http2Exception) cause : null;
        if (h2 != null && !goingAway) {
            goingAway = true;
            listener.meters().http2GoAway(h2.error().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        log.debug("HTTP/2 connection from {} on listener {}: {}", source, listener.name(), cause.toString());
        if (h2 == null) {
            ctx.close();
        }
    }

    /**
     * Once per period: an idle connection (no stream for {@code timeouts.idle}) says GOAWAY and closes; a
     * connection whose client leaves a stream (or the whole connection) without flow-control window for
     * {@code http2.stall-timeout} is cut.
     */
    private void tick() {
        if (goingAway || !ctx.channel().isActive()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        int active = codec.connection().numActiveStreams();
        if (active == 0) {
            stalledSince = -1;
            if (now - lastStreamNanos >= idleNanos) {
                goAway("idle");
            }
            return;
        }
        if (!stalled()) {
            stalledSince = -1;
        } else if (stalledSince < 0) {
            stalledSince = now;
        } else if (now - stalledSince >= stallNanos) {
            log.debug("{} on listener {}: no flow-control window for {} ms: GOAWAY", source, listener.name(),
                    TimeUnit.NANOSECONDS.toMillis(stallNanos));
            abuse("stall");
        }
    }

    /** Whether the client gives no window to send on: to the connection, or to a stream with data waiting. */
    private boolean stalled() {
        Http2RemoteFlowController flow = codec.connection().remote().flowController();
        if (flow.windowSize(codec.connection().connectionStream()) <= 0) {
            return true;
        }
        boolean[] any = new boolean[1];
        try {
            codec.connection().forEachActiveStream(stream -> {
                if (flow.windowSize(stream) <= 0 && flow.hasFlowControlled(stream)) {
                    any[0] = true;
                    return false;
                }
                return true;
            });
        } catch (Http2Exception e) {
            return false;
        }
        return any[0];
    }

    /**
     * GOAWAY NO_ERROR naming the last stream the client opened: the streams under way finish, then the
     * connection closes.
     *
     * <p>Not Netty's graceful close (a close while streams are open): that closes the socket from inside the
     * flow controller's write of the last stream's end, before the codec's flush that follows it, and the
     * response's DATA still unflushed were dropped with the socket (a client saw 165,535 of 200,000 bytes).
     * Here the close comes in a task of its own once no stream is open, so whatever the streams wrote has
     * been flushed first.
     */
    private void goAway(String reason) {
        goingAway = true;
        listener.meters().http2GoAway(reason);
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                closeWhenNoStream();
            }
        });
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        closeWhenNoStream();
    }

    private void closeWhenNoStream() {
        if (!closeScheduled && codec.connection().numActiveStreams() == 0) {
            closeScheduled = true;
            ctx.executor().execute(() -> ctx.channel().close());
        }
    }

    /** GOAWAY ENHANCE_YOUR_CALM to an abusive client, and the connection closes at once. */
    private void abuse(String reason) {
        goingAway = true;
        listener.meters().http2GoAway(reason);
        codec.gracefulShutdownTimeoutMillis(0);
        ctx.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM))
                .addListener(f -> ctx.channel().close());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (tick != null) {
            tick.cancel(false);
        }
        if (counted) {
            counted = false;
            listener.connectionClosed();
        }
        ctx.fireChannelInactive();
    }
}
