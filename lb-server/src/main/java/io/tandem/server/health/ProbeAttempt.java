package io.tandem.server.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.config.Units;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The life of one probe connection: connect with the check timeout, run the
 * probe's handler, end with exactly one result, close. A timer bounds the
 * whole attempt (connect plus answer) by the timeout. Runs on one event loop.
 */
final class ProbeAttempt {

    private ProbeAttempt() {}

    /**
     * Connects to {@code backend} on {@code loop}; {@code handler} (may be
     * null: connecting is the check) completes {@code promise}. The returned
     * promise is completed with a timeout or connect failure otherwise.
     */
    static Promise<ProbeResult> start(EventLoop loop, Transport transport, Backend backend, Duration timeout,
                                      Promise<ProbeResult> promise, ChannelHandler handler) {
        long timeoutMillis = Math.max(1, timeout.toMillis());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_LINGER, 0)
                .handler(handler != null ? handler : new io.netty.channel.ChannelInboundHandlerAdapter());
        ChannelFuture connect = b.connect(backend.socketAddress());
        Channel ch = connect.channel();
        ScheduledFuture<?> timer = loop.schedule(
                () -> promise.trySuccess(ProbeResult.timeout("no answer within " + Units.format(timeout))),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        promise.addListener(f -> {
            timer.cancel(false);
            ch.close();
        });
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                promise.trySuccess(NetErrors.isTimeout(cause)
                        ? ProbeResult.timeout("connect timed out after " + Units.format(timeout))
                        : ProbeResult.fail(NetErrors.describe(cause)));
            } else if (handler == null) {
                promise.trySuccess(ProbeResult.pass("connected"));
            }
        });
        return promise;
    }
}
