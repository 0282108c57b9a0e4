package io.tandem.server.systemd;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings systemd's watchdog only while every event loop is alive: each tick
 * pings if every loop has run the no-op task the previous tick gave it, then
 * gives each loop a new one. A loop stuck in a handler (an endless loop, a
 * blocking call) stops the pings, and systemd restarts the daemon once
 * {@code WatchdogSec} passes without one. Ticks run on a thread of their own
 * at half the timeout, as {@code sd_watchdog_enabled(3)} advises; a tick
 * reads futures and hands out tasks, it never waits for a loop.
 */
public final class EventLoopWatchdog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventLoopWatchdog.class);

    private final List<EventExecutor> loops;
    private final Runnable ping;
    /** The task each loop was last given; confined to the ticking thread. */
    private final List<Future<?>> probes = new ArrayList<>();
    private ScheduledExecutorService timer;
    private boolean stuckReported;

    /** Pings with {@code ping} while each of {@code loops} answers; {@link #tick} drives it. */
    EventLoopWatchdog(List<EventExecutor> loops, Runnable ping) {
        this.loops = List.copyOf(loops);
        this.ping = ping;
        for (EventExecutor loop : this.loops) {
            probes.add(loop.submit(() -> { }));
        }
    }

    /** Starts ticking at half of {@code timeout}, pinging through {@code notifier}. */
    public static EventLoopWatchdog start(List<EventExecutor> loops, ServiceNotifier notifier, Duration timeout) {
        EventLoopWatchdog watchdog = new EventLoopWatchdog(loops, notifier::watchdog);
        long period = timeout.toNanos() / 2;
        watchdog.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.timer.scheduleAtFixedRate(watchdog::tick, period, period, TimeUnit.NANOSECONDS);
        log.info("systemd watchdog: {} event loop(s) must answer within {} ms; a ping every {} ms",
                loops.size(), timeout.toMillis(), TimeUnit.NANOSECONDS.toMillis(period));
        return watchdog;
    }

    /** Pings when every loop ran its last task; gives a new task to each loop that did. Returns whether it pinged. */
    boolean tick() {
        int stuck = 0;
        for (int i = 0; i < loops.size(); i++) {
            if (!probes.get(i).isDone()) {
                // Not given another: a stuck loop would only pile them up.
                stuck++;
                continue;
            }
            try {
                probes.set(i, loops.get(i).submit(() -> { }));
            } catch (RejectedExecutionException e) {
                // The loop is shutting down: the daemon is stopping, and systemd no longer watches.
                return false;
            }
        }
        if (stuck > 0) {
            if (!stuckReported) {
                stuckReported = true;
                log.error("{} of {} event loop(s) did not run a task since the last watchdog tick: no ping; "
                        + "systemd restarts the daemon if this lasts", stuck, loops.size());
            }
            return false;
        }
        if (stuckReported) {
            stuckReported = false;
            log.info("every event loop answers again: watchdog pings resume");
        }
        ping.run();
        return true;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
