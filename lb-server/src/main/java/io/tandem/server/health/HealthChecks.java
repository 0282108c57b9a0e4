package io.tandem.server.health;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.tandem.config.HealthConfig;
import io.tandem.core.health.ProbeSchedule;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.proxy.PoolRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active checks of every pool that has a {@code health} section: one
 * {@link BackendChecker} per backend, spread over the worker event loops.
 * {@link #probeAtStart()} blocks the starting thread until every backend of
 * an {@code initial-state: probe} pool has had its first check, so listeners
 * bound afterwards never send a first request to a dead backend.
 */
public final class HealthChecks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    /**
     * Jitter for every pool: each event loop draws from its own
     * ThreadLocalRandom, taken on the drawing thread so that it is seeded.
     */
    private static final RandomGenerator RANDOM = () -> ThreadLocalRandom.current().nextLong();

    private final List<BackendChecker> checkers = new ArrayList<>();
    private final List<BackendChecker> probedAtStart = new ArrayList<>();
    private final Map<Backend, BackendChecker> byBackend = new IdentityHashMap<>();
    private Duration longestTimeout = Duration.ZERO;

    public HealthChecks(Collection<PoolRuntime> pools, EventLoopGroup group, Transport transport) {
        this(pools, group, transport, null);
    }

    /**
     * The checks of {@code pools} after a reload: a backend that stays keeps
     * its last check from {@code previous} (which the caller closes).
     */
    public HealthChecks(Collection<PoolRuntime> pools, EventLoopGroup group, Transport transport,
                        HealthChecks previous) {
        for (PoolRuntime p : pools) {
            if (p.config().health().isEmpty()) {
                continue;
            }
            HealthConfig h = p.config().health().get();
            HealthProbe probe = HealthProbe.of(h, transport, p.settings().tls(), p.settings().proxyProtocol(),
                    p.settings().h2c());
            ProbeSchedule schedule = new ProbeSchedule(h.interval(), h.downInterval(), RANDOM);
            for (Backend b : p.pool().backends()) {
                BackendChecker c = new BackendChecker(p.health(), b, probe, schedule, group.next(), p.meters(),
                        h.timeout(), previous == null ? null : previous.lastCheck(b));
                checkers.add(c);
                byBackend.put(b, c);
                if (h.initialState() == HealthConfig.InitialState.PROBE) {
                    probedAtStart.add(c);
                }
            }
            if (h.timeout().compareTo(longestTimeout) > 0) {
                longestTimeout = h.timeout();
            }
        }
    }

    /** Checks every backend of the probe-first pools once and waits for all results (each ends within its timeout). */
    public void probeAtStart() throws InterruptedException {
        if (probedAtStart.isEmpty()) {
            return;
        }
        log.info("checking {} backends before accepting traffic", probedAtStart.size());
        List<Future<ProbeResult>> results = new ArrayList<>();
        for (BackendChecker c : probedAtStart) {
            results.add(c.checkOnce());
        }
        Duration longest = longestTimeout.compareTo(BackendChecker.START_TIMEOUT_FLOOR) < 0
                ? BackendChecker.START_TIMEOUT_FLOOR : longestTimeout;
        long deadline = System.nanoTime() + longest.plusSeconds(5).toNanos();
        for (Future<ProbeResult> f : results) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.await(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                // A probe always ends by its own timer; this only guards a stuck loop.
                log.warn("start-up checks did not all end in time; unchecked backends stay out of rotation");
                return;
            }
        }
    }

    /** Starts the regular checks of every backend (at once for one still unchecked, as after a reload added it). */
    public void start() {
        for (BackendChecker c : checkers) {
            c.start();
        }
    }

    /** The latest check of {@code backend}, or null (no active checks, or none yet). */
    public LastCheck lastCheck(Backend backend) {
        BackendChecker c = byBackend.get(backend);
        return c == null ? null : c.lastCheck();
    }

    @Override
    public void close() {
        for (BackendChecker c : checkers) {
            c.stop();
        }
    }
}
