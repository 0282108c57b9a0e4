package io.tandem.server.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of a client connection: header, idle and response timeouts
 * take turns on it, since at most one of them runs at a time.
 *
 * <p>Arming and disarming happen several times per request, so they only
 * write a deadline and an action; the scheduled task is created far less often.
 * It never sleeps longer than {@code period} (the listener's shortest usual
 * timeout): when it wakes before the deadline it sleeps again for the rest.
 * Since every deadline armed is at least {@code period} away, a pending task is
 * never late for a new deadline; a shorter one (a small response timeout)
 * reschedules.
 *
 * <p>Time is the event loop's own ticker (tests freeze and advance it).
 *
 * <p>Confined to the client channel's event loop.
 */
final class ConnectionTimer implements Runnable {

    private final EventLoop loop;
    private final long periodNanos;
    private ScheduledFuture<?> scheduled;
    private long firesAt;
    private long deadline;
    private Runnable action;

    ConnectionTimer(EventLoop loop, long periodNanos) {
        this.loop = loop;
        this.periodNanos = Math.max(periodNanos, TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** Runs {@code onExpiry} after {@code timeoutNanos} unless re-armed or disarmed first; replaces what was armed. */
    void arm(long timeoutNanos, Runnable onExpiry) {
        long now = loop.ticker().nanoTime();
        deadline = now + timeoutNanos;
        action = onExpiry;
        if (scheduled == null || firesAt - deadline > 0) {
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            schedule(now, timeoutNanos);
        }
    }

    void disarm() {
        action = null;
    }

    /** Disarms and drops the scheduled task: the connection is closed. */
    void stop() {
        action = null;
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    @Override
    public void run() {
        scheduled = null;
        if (action == null) {
            return;
        }
        long now = loop.ticker().nanoTime();
        long left = deadline - now;
        if (left > 0) {
            schedule(now, left);
            return;
        }
        Runnable expired = action;
        action = null;
        expired.run();
    }

    private void schedule(long now, long delayNanos) {
        long delay = Math.min(delayNanos, periodNanos);
        firesAt = now + delay;
        scheduled = loop.schedule(this, delay, TimeUnit.NANOSECONDS);
    }
}
