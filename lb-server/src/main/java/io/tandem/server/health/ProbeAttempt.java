package io.tandem.server.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.config.Units;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import io.tandem.server.proxy.ProxyHeaderWriter;
import io.tandem.server.proxy.ProxyHeaders;
import io.tandem.server.tls.BackendTls;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The life of one probe connection: connect with the check timeout (and make
 * the TLS handshake, for a pool with TLS), run the probe's handler, end with
 * exactly one result, close. A timer bounds the whole attempt (connect,
 * handshake and answer) by the timeout. Runs on one event loop.
 */
final class ProbeAttempt {

    private ProbeAttempt() {}

    /**
     * Connects to {@code backend} on {@code loop}, starting with a check PROXY
     * header of {@code proxyProtocol} when it is not null (before any TLS),
     * secured with {@code tls} when it is not null; once the connection is ready, {@code handler} (may
     * be null: connecting is the check) joins the pipeline and completes
     * {@code promise}. The returned promise is completed with a timeout,
     * connect or handshake failure otherwise.
     */
    static Promise<ProbeResult> start(EventLoop loop, Transport transport, Backend backend, Duration timeout,
                                      BackendTls tls, HAProxyProtocolVersion proxyProtocol,
                                      Promise<ProbeResult> promise, ChannelHandler handler) {
        if (!loop.inEventLoop()) {
            // On the loop, the handler joins before the connection's first read: a backend that speaks first
            // (an SMTP banner, MySQL's greeting) may answer before a listener added from another thread runs.
            loop.execute(() -> start(loop, transport, backend, timeout, tls, proxyProtocol, promise, handler));
            return promise;
        }
        long started = System.nanoTime();
        long timeoutMillis = Math.max(1, timeout.toMillis());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.SO_LINGER, 0)
                .handler(proxyProtocol == null ? Failures.INSTANCE : new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Failures.INSTANCE);
                        ProxyHeaderWriter.install(ch.pipeline(), ProxyHeaders.check(proxyProtocol));
                    }
                });
        ChannelFuture connect = b.connect(backend.socketAddress());
        ChannelFuture ready = tls == null ? connect
                : tls.secure(connect, backend.address(), started, timeoutMillis, ProxyHeaderWriter.NAME);
        Channel ch = connect.channel();
        ScheduledFuture<?> timer = loop.schedule(
                () -> promise.trySuccess(ProbeResult.timeout(handshaking(connect, ready)
                        ? "no TLS handshake within " + Units.format(timeout)
                        : "no answer within " + Units.format(timeout))),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        promise.addListener(f -> {
            timer.cancel(false);
            ch.close();
        });
        ready.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                promise.trySuccess(!NetErrors.isTimeout(cause) ? ProbeResult.fail(NetErrors.describe(cause))
                        : connect.isSuccess() ? ProbeResult.timeout("no TLS handshake within " + Units.format(timeout))
                        : ProbeResult.timeout("connect timed out after " + Units.format(timeout)));
            } else if (handler == null && proxyProtocol != null && tls == null) {
                // The writer puts the header before this empty write; the check passes once it is out.
                ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture w) -> promise.trySuccess(
                        w.isSuccess() ? ProbeResult.pass("connected, PROXY header sent")
                                : ProbeResult.fail(NetErrors.describe(w.cause()))));
            } else if (handler == null) {
                promise.trySuccess(ProbeResult.pass(tls == null ? "connected" : "connected, TLS handshake done"));
            } else {
                ch.pipeline().addLast(handler);
            }
        });
        return promise;
    }

    private static boolean handshaking(ChannelFuture connect, ChannelFuture ready) {
        return connect != ready && connect.isSuccess() && !ready.isDone();
    }

    /**
     * The end of a probe's pipeline until its handler joins: a failure is
     * already the probe's result (through the connect or handshake future),
     * so it only closes the connection instead of reaching Netty's tail, which
     * would log it as unhandled.
     */
    @ChannelHandler.Sharable
    private static final class Failures extends ChannelInboundHandlerAdapter {

        static final Failures INSTANCE = new Failures();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
