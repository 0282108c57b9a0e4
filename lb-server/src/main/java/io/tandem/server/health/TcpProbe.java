package io.tandem.server.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import io.tandem.server.proxy.ProxyHeaderWriter;
import io.tandem.server.proxy.ProxyHeaders;
import java.time.Duration;

/**
 * Passes when the backend accepts a TCP connection within the timeout; closes
 * it at once. For a pool that sends the PROXY protocol, the check header (v2
 * {@code LOCAL} or v1 {@code PROXY UNKNOWN}) is sent first and the check
 * passes once it is written, so a backend that requires a header sees one.
 */
final class TcpProbe implements HealthProbe {

    private final Transport transport;
    private final HAProxyProtocolVersion proxyProtocol;

    TcpProbe(Transport transport, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        if (proxyProtocol == null) {
            return ProbeAttempt.start(loop, transport, backend, timeout, loop.newPromise(), null);
        }
        Promise<ProbeResult> promise = loop.newPromise();
        return ProbeAttempt.start(loop, transport, backend, timeout, promise, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new SendHeader(promise));
                ProxyHeaderWriter.install(ch.pipeline(), ProxyHeaders.check(proxyProtocol));
            }
        });
    }

    /** Writes the header (the writer puts it before this empty write) and passes once it is sent. */
    private static final class SendHeader extends ChannelInboundHandlerAdapter {

        private final Promise<ProbeResult> promise;

        SendHeader(Promise<ProbeResult> promise) {
            this.promise = promise;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> promise.trySuccess(
                    f.isSuccess() ? ProbeResult.pass("connected, PROXY header sent")
                            : ProbeResult.fail(NetErrors.describe(f.cause()))));
            ctx.fireChannelActive();
        }
    }
}
