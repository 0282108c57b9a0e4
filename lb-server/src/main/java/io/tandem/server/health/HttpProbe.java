package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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
 * An HTTP/1.1 check: {@code METHOD path} with the configured Host header (the
 * backend's address by default) and {@code Connection: close}. Passes when
 * the status is one of {@code expect-status} and, if {@code expect-body} is
 * set, the first {@link #MAX_BODY} bytes of the body contain it. For a pool
 * with TLS the request goes over the pool's TLS, after the handshake; for a
 * pool that sends the PROXY protocol the connection starts with a check header
 * (v2 {@code LOCAL} or v1 {@code PROXY UNKNOWN}), before any TLS.
 */
final class HttpProbe implements HealthProbe {

    /** Bytes of a check response's body searched for {@code expect-body}. */
    static final int MAX_BODY = 64 * 1024;

    private final HealthConfig config;
    private final Transport transport;
    private final BackendTls tls;
    private final HttpMethod method;
    private final byte[] expectBody;
    private final String userAgent = "tandem-health-check/" + Version.get();
    /** The pool's PROXY protocol version, or null: each check's connection starts with a header. */
    private final HAProxyProtocolVersion proxyProtocol;

    HttpProbe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.config = config;
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.method = HttpMethod.valueOf(config.method());
        this.expectBody = config.expectBody() == null ? null : config.expectBody().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        String host = config.host() != null ? config.host() : backend.address().toString();
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new HttpClientCodec(4096, 16 * 1024, 16 * 1024))
                                .addLast(new Exchange(promise, host));
                    }
                });
    }

    /** Sends the check request as it joins the ready connection, and judges the answer. */
    private final class Exchange extends ChannelInboundHandlerAdapter {

        private final Promise<ProbeResult> promise;
        private final String host;
        private final AnswerCheck answer;

        Exchange(Promise<ProbeResult> promise, String host) {
            this.promise = promise;
            this.host = host;
            this.answer = new AnswerCheck(promise, config, expectBody);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, config.path(),
                    Unpooled.EMPTY_BUFFER);
            req.headers()
                    .set(HttpHeaderNames.HOST, host)
                    .set(HttpHeaderNames.USER_AGENT, userAgent)
                    .set(HttpHeaderNames.ACCEPT, "*/*")
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(req);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (answer.done()) {
                    return;
                }
                if (msg instanceof HttpResponse) {
                    HttpResponse r = (HttpResponse) msg;
                    if (r.decoderResult().isFailure()) {
                        promise.trySuccess(ProbeResult.fail("malformed response: "
                                + NetErrors.describe(r.decoderResult().cause())));
                        return;
                    }
                    answer.status(ctx, r.status().code(), Integer.toString(r.status().code()));
                }
                if (msg instanceof HttpContent && answer.readingBody()) {
                    answer.body(((HttpContent) msg).content(), msg instanceof LastHttpContent);
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

    /** Whether {@code haystack}'s readable bytes contain {@code needle}. */
    static boolean contains(ByteBuf haystack, byte[] needle) {
        int start = haystack.readerIndex();
        int end = haystack.writerIndex() - needle.length;
        outer:
        for (int i = start; i <= end; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
