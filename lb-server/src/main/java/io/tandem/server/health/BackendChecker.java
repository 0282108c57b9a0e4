package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.health.HealthCheckSession;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.health.ProbeSchedule;
import io.tandem.core.pool.Backend;
import io.tandem.server.metrics.PoolMeters;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Runs one backend's active checks, one at a time, on one event loop: probe,
 * report the result to the pool's health, schedule the next. Owned by that
 * loop; {@link #lastCheck()} is read from the admin thread.
 */
final class BackendChecker {

    /**
     * The least time the start-up check gets: the first connections of a
     * starting JVM load and compile the whole network path, which can take a
     * few hundred milliseconds on a busy machine, and a start-up failure
     * would keep a healthy backend out until {@code rise} later checks pass.
     */
    static final Duration START_TIMEOUT_FLOOR = Duration.ofSeconds(2);

    private final PoolHealth health;
    private final Backend backend;
    private final HealthProbe probe;
    private final ProbeSchedule schedule;
    private final EventLoop loop;
    private final PoolMeters meters;
    private final Duration timeout;
    private volatile LastCheck last;
    private volatile boolean stopped;
    private ScheduledFuture<?> next;

    BackendChecker(PoolHealth health, Backend backend, HealthProbe probe, ProbeSchedule schedule, EventLoop loop,
                   PoolMeters meters, Duration timeout, LastCheck last) {
        this.last = last;
        this.timeout = timeout;
        this.health = health;
        this.backend = backend;
        this.probe = probe;
        this.schedule = schedule;
        this.loop = loop;
        this.meters = meters;
    }

    Backend backend() {
        return backend;
    }

    LastCheck lastCheck() {
        return last;
    }

    /** One check now, outside the schedule (the start-up probe); the future ends when its result is applied. */
    Future<ProbeResult> checkOnce() {
        long started = System.nanoTime();
        Promise<ProbeResult> applied = loop.newPromise();
        Duration startTimeout = timeout.compareTo(START_TIMEOUT_FLOOR) < 0 ? START_TIMEOUT_FLOOR : timeout;
        Future<ProbeResult> f = probe.probe(loop, backend, startTimeout);
        f.addListener(done -> {
            record(f.getNow(), started);
            applied.setSuccess(f.getNow());
        });
        return applied;
    }

    /** Starts the regular checks, the first at a random point of the first interval. */
    void start() {
        // Unchecked, or down and never checked (added at runtime, it must pass rise checks): check at once.
        boolean unchecked = health.checkStatus(backend) == HealthCheckSession.Status.UNCHECKED
                || (last == null && down());
        loop.execute(() -> scheduleIn(unchecked ? 0 : schedule.firstDelayNanos(down())));
    }

    void stop() {
        stopped = true;
        if (loop.isShuttingDown()) {
            return;
        }
        loop.execute(() -> {
            if (next != null) {
                next.cancel(false);
            }
        });
    }

    private void check() {
        next = null;
        if (stopped) {
            return;
        }
        long started = System.nanoTime();
        Future<ProbeResult> f = probe.probe(loop, backend, timeout);
        f.addListener(done -> {
            record(f.getNow(), started);
            scheduleIn(schedule.nextDelayNanos(started, System.nanoTime(), down()));
        });
    }

    private void scheduleIn(long delayNanos) {
        if (!stopped && !loop.isShuttingDown()) {
            next = loop.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void record(ProbeResult result, long startedNanos) {
        last = new LastCheck(result, Instant.now(), (System.nanoTime() - startedNanos) / 1_000_000);
        meters.healthCheck(backend, result.outcome().label());
        health.probed(backend, result.passed(), result.detail(), startedNanos);
    }

    private boolean down() {
        return health.checkStatus(backend) != HealthCheckSession.Status.UP;
    }
}
