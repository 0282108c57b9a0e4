package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.config.HealthConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import io.tandem.server.Version;
import io.tandem.server.tls.BackendTls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The HTTP check of an {@code h2c} or {@code h2} pool: {@code METHOD path} as an HTTP/2 request on the transport
 * the pool's requests use (h2c by prior knowledge, or TLS with h2 selected by ALPN), {@code :authority} the
 * configured {@code host} (the backend's address by default). Passes, as {@link HttpProbe} does, when the
 * status is one of {@code expect-status} and, with {@code expect-body}, the first {@link HttpProbe#MAX_BODY}
 * bytes of the body contain it. A backend whose HTTP/1.1 works but whose HTTP/2 does not fails it, as its
 * traffic would.
 */
final class Http2Probe implements HealthProbe {

    private final HealthConfig config;
    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    private final byte[] expectBody;
    private final String userAgent = "tandem-health-check/" + Version.get();

    /** {@code tls}: the pool's (an h2 pool's, selecting h2 by ALPN), or null for h2c. */
    Http2Probe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.config = config;
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.expectBody = config.expectBody() == null ? null : config.expectBody().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        Http2Headers h = new DefaultHttp2Headers().method(config.method()).scheme(tls == null ? "http" : "https")
                .path(config.path())
                .authority(config.host() != null ? config.host() : backend.address().toString())
                .add("user-agent", userAgent).add("accept", "*/*");
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Http2ProbeStream(promise, h, null, new Answer(promise)));
    }

    /** Reads the check's stream (behind the codec): judges the status, then (with {@code expect-body}) the body. */
    private final class Answer extends ChannelInboundHandlerAdapter {

        private final Promise<ProbeResult> promise;
        private int status;
        private ByteBuf body;

        Answer(Promise<ProbeResult> promise) {
            this.promise = promise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (promise.isDone()) {
                    return;
                }
                if (msg instanceof Http2HeadersFrame && status == 0) {
                    CharSequence s = ((Http2HeadersFrame) msg).headers().status();
                    int code = s == null ? 0 : parse(s);
                    if (code >= 100 && code < 200) {
                        return; // an interim answer; the final one follows
                    }
                    status = code;
                    if (!config.expectStatus().contains(status)) {
                        promise.trySuccess(ProbeResult.fail("HTTP " + (s == null ? "answer without :status" : s)
                                + " (expected " + config.expectStatus() + ")"));
                        return;
                    }
                    if (expectBody == null) {
                        promise.trySuccess(ProbeResult.pass("HTTP " + status));
                        return;
                    }
                    body = ctx.alloc().heapBuffer(256, HttpProbe.MAX_BODY);
                } else if (msg instanceof Http2DataFrame && body != null) {
                    Http2DataFrame data = (Http2DataFrame) msg;
                    if (data.initialFlowControlledBytes() > 0) {
                        // Read: the backend may send on (a body of up to MAX_BODY exceeds the initial window).
                        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes())
                                .stream(data.stream()));
                    }
                    ByteBuf part = data.content();
                    body.writeBytes(part, part.readerIndex(), Math.min(part.readableBytes(), body.maxWritableBytes()));
                    if (HttpProbe.contains(body, expectBody)) {
                        promise.trySuccess(ProbeResult.pass("HTTP " + status + ", body has the expected text"));
                        return;
                    }
                }
                if (msg instanceof Http2StreamFrame && body != null && (endOfStream(msg) || body.maxWritableBytes() == 0)) {
                    promise.trySuccess(ProbeResult.fail("HTTP " + status + ", body lacks '"
                            + new String(expectBody, StandardCharsets.UTF_8) + "'"));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            promise.trySuccess(ProbeResult.fail(status == 0 ? "connection closed before the response"
                    : "connection closed before the body ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.trySuccess(ProbeResult.fail(NetErrors.describe(cause)));
            ctx.close();
        }

        private void release() {
            if (body != null) {
                body.release();
                body = null;
            }
        }
    }

    private static boolean endOfStream(Object frame) {
        return frame instanceof Http2HeadersFrame ? ((Http2HeadersFrame) frame).isEndStream()
                : frame instanceof Http2DataFrame && ((Http2DataFrame) frame).isEndStream();
    }

    private static int parse(CharSequence status) {
        try {
            return Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
