package io.tandem.server.health;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
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
        private final AnswerCheck answer;

        Answer(Promise<ProbeResult> promise) {
            this.promise = promise;
            this.answer = new AnswerCheck(promise, config, expectBody);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (answer.done()) {
                    return;
                }
                if (msg instanceof Http2HeadersFrame && !answer.readingBody()) {
                    CharSequence s = ((Http2HeadersFrame) msg).headers().status();
                    int code = s == null ? 0 : parse(s);
                    if (code >= 100 && code < 200) {
                        return; // an interim answer; the final one follows
                    }
                    answer.status(ctx, code, s == null ? "answer without :status" : s.toString());
                } else if (msg instanceof Http2DataFrame && answer.readingBody()) {
                    Http2DataFrame data = (Http2DataFrame) msg;
                    if (data.initialFlowControlledBytes() > 0) {
                        // Read: the backend may send on (a body of up to MAX_BODY exceeds the initial window).
                        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes())
                                .stream(data.stream()));
                    }
                    answer.body(data.content(), data.isEndStream());
                } else if (msg instanceof Http2HeadersFrame && answer.readingBody()) {
                    answer.body(null, ((Http2HeadersFrame) msg).isEndStream()); // trailers
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.closed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.trySuccess(ProbeResult.fail(NetErrors.describe(cause)));
            ctx.close();
        }
    }

    private static int parse(CharSequence status) {
        try {
            return Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
