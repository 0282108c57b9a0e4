package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tandem.config.Http2Config;

/**
 * HTTP/2 to clients: how a client connection becomes one, and the pipeline it
 * gets. A listener that speaks {@code h2} gets, in front of the HTTP/1.1 codec,
 * either {@link AlpnSwitch} (TLS: the protocol ALPN chose) or
 * {@link PrefaceSwitch} (plain: a client that starts with the HTTP/2 connection
 * preface speaks h2c by prior knowledge); {@link FrontendHandler} turns an
 * {@code Upgrade: h2c} request into the same. Either way the HTTP/1.1 codec
 * and handler leave (handing over the connection count, the client's address
 * and SNI name) and the connection gets Netty's {@link Http2FrameCodec} with
 * the listener's limits, the {@link Http2MultiplexHandler} that makes each
 * stream a child channel, and the {@link Http2Connection} that owns the
 * connection. Each stream's channel gets an {@link Http2StreamCodec} and a
 * {@link FrontendHandler} of its own: routing, access rules, limits, the
 * exchange with its strategies, retries, health reports, sticky cookies,
 * metrics and access-log line are those of an HTTP/1.1 request, and its
 * backend connection comes from the pool of the connection's event loop.
 *
 * <p>Runs on the client connection's event loop.
 */
final class Http2Frontend {

    /** The first bytes of every HTTP/2 connection a client opens (RFC 9113 section 3.4). */
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    /**
     * Fields whose value is new in every message, sent as never-indexed literals (RFC 7541 section 6.2.3):
     * {@code x-request-id}. Indexed, each response's id would enter the connection's HPACK table and push an
     * older field out, for a compression gain of nothing (no id comes twice); the table entry, kept alive for
     * the next few dozen responses, is what a young collection then finds alive and promotes (one per
     * response under load). Netty offers no "without indexing" form for such fields. The price is the
     * field's name as a literal in every message (about 10 bytes); its value was a literal either way.
     */
    static final Http2HeadersEncoder.SensitivityDetector UNIQUE_VALUES =
            (name, value) -> ForwardedHeaders.X_REQUEST_ID.contentEqualsIgnoreCase(name);

    private Http2Frontend() {}

    /**
     * Replaces the HTTP/1.1 handlers of {@code pipeline} (the {@link FrontendHandler} named {@code proxy}
     * and the codec named {@code codec}) with the HTTP/2 ones; returns the frame codec.
     */
    static Http2FrameCodec install(ChannelPipeline pipeline, ListenerRuntime listener, boolean https) {
        FrontendHandler h1 = (FrontendHandler) pipeline.get("proxy");
        FrontendHandler.Origin origin = h1.handOver();
        pipeline.remove(h1);
        pipeline.remove("codec");
        Routing routing = listener.routing();
        Http2Config config = routing.listener().http2();
        Http2FrameCodec codec = codec(config);
        Http2Connection connection = new Http2Connection(listener, routing, codec, https, origin.source(),
                origin.destination(), origin.sni());
        // The streams of a connection answer in the same loop pass, each flushing its stream: one write (and
        // one TLS record) per pass instead of one per response.
        pipeline.addLast("h2-flush", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        pipeline.addLast("h2", codec);
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                connection.streamOpened();
                FrontendHandler handler = new FrontendHandler(listener, connection);
                stream.pipeline().addLast("h2-stream", new Http2StreamCodec()).addLast("proxy", handler);
            }
        }));
        pipeline.addLast("h2-connection", connection);
        return codec;
    }

    /** Netty's frame codec with the listener's limits. */
    static Http2FrameCodec codec(Http2Config config) {
        Http2Settings settings = new Http2Settings()
                .maxConcurrentStreams(config.maxConcurrentStreams())
                .maxHeaderListSize(config.maxHeaderListSize())
                .maxFrameSize(config.maxFrameSize())
                .initialWindowSize(config.initialWindowSize());
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .headerSensitivityDetector(UNIQUE_VALUES)
                // Rapid reset (CVE-2023-44487): more RST_STREAMs than this in the window is a connection error.
                .decoderEnforceMaxRstFramesPerWindow(config.maxResets(), (int) config.resetWindow().toSeconds())
                // PING and SETTINGS acknowledgements a client does not read (CVE-2019-9512, -9515).
                .encoderEnforceMaxQueuedControlFrames(10_000)
                // Close waits for the streams under way (shutdown and reload bound it elsewhere).
                .gracefulShutdownTimeoutMillis(-1)
                .build();
    }

    /**
     * On a TLS listener that offers h2: once the handshake is done, the protocol ALPN chose decides the
     * pipeline. HTTP/1.1 (or none) keeps it as it is; h2 gets the HTTP/2 handlers.
     */
    static final class AlpnSwitch extends ChannelInboundHandlerAdapter {

        private final ListenerRuntime listener;

        AlpnSwitch(ListenerRuntime listener) {
            this.listener = listener;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent) {
                ChannelPipeline pipeline = ctx.pipeline();
                SslHandler ssl = pipeline.get(SslHandler.class);
                if (((SslHandshakeCompletionEvent) evt).isSuccess() && ssl != null
                        && ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                    install(pipeline, listener, true);
                    pipeline.remove(this);
                    return;
                }
                pipeline.remove(this);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * On a plain listener that speaks h2c: reads the first bytes of a connection. The HTTP/2 preface
     * (sent whole or in parts) makes it an HTTP/2 connection; any other byte leaves it HTTP/1.1, the bytes
     * read so far going on to the HTTP/1.1 codec. On a listener that speaks only h2, an HTTP/1.1 client
     * gets its request decoded and refused (505).
     */
    static final class PrefaceSwitch extends ChannelInboundHandlerAdapter {

        private final ListenerRuntime listener;
        private ByteBuf seen;

        PrefaceSwitch(ListenerRuntime listener) {
            this.listener = listener;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                // A PROXY header, decoded before any request byte: for the HTTP/1.1 handler, which keeps it.
                ctx.fireChannelRead(msg);
                return;
            }
            ByteBuf in = (ByteBuf) msg;
            int have = seen == null ? 0 : seen.readableBytes();
            int n = Math.min(PREFACE.readableBytes() - have, in.readableBytes());
            if (!ByteBufUtil.equals(in, in.readerIndex(), PREFACE, have, n)) {
                // The client speaks HTTP/1.x: the bytes go on, untouched, those of earlier reads first.
                ByteBuf earlier = seen;
                seen = null;
                if (earlier != null) {
                    ctx.fireChannelRead(earlier);
                }
                ctx.fireChannelRead(in);
                ctx.pipeline().remove(this);
                return;
            }
            if (seen == null) {
                seen = ctx.alloc().buffer(PREFACE.readableBytes());
            }
            seen.writeBytes(in, n);
            if (seen.readableBytes() < PREFACE.readableBytes()) {
                // Only a part of the preface so far (the header timer of the HTTP/1.1 handler runs).
                in.release();
                return;
            }
            ByteBuf preface = seen;
            seen = null;
            install(ctx.pipeline(), listener, false);
            // The codec, next now, reads the preface itself: hand it every byte, the preface first.
            ctx.fireChannelRead(preface);
            if (in.isReadable()) {
                ctx.fireChannelRead(in);
            } else {
                in.release();
            }
            ctx.pipeline().remove(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (seen != null) {
                seen.release();
                seen = null;
            }
        }
    }
}
