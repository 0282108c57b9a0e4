package io.tandem.server;

import io.netty.channel.EventLoop;
import io.tandem.core.pool.SlowStart;
import io.tandem.server.proxy.PoolRuntime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances the slow-start ramps of the pools in force (a reload swaps them)
 * every tenth of the shortest slow-start period, and looks again every second
 * when no pool has one. Runs on the admin loop (`tandem-admin`), not an I/O loop: a rebuild
 * (a Maglev table takes ~1 ms) must not delay requests. Ramps start in
 * BackendPool.setState, whoever marks a backend UP.
 */
final class SlowStartTicker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final EventLoop loop;
    private final Supplier<Map<String, PoolRuntime>> pools;

    SlowStartTicker(EventLoop loop, Supplier<Map<String, PoolRuntime>> pools) {
        this.loop = loop;
        this.pools = pools;
    }

    /** The first tick, at once on the loop; each schedules the next until the loop shuts down. */
    void start() {
        loop.execute(this);
    }

    @Override
    public void run() {
        long next = tick();
        if (!loop.isShuttingDown()) {
            loop.schedule(this, next, TimeUnit.NANOSECONDS);
        }
    }

    /** Advances every pool with a slow start once; returns the nanoseconds until the next tick. */
    long tick() {
        long next = IDLE_NANOS;
        for (PoolRuntime p : pools.get().values()) {
            SlowStart slowStart = p.pool().slowStart();
            if (!slowStart.enabled()) {
                continue;
            }
            next = Math.min(next, slowStart.tickNanos());
            try {
                p.pool().updateSlowStart();
            } catch (RuntimeException e) {
                log.error("slow start of pool {} failed", p.name(), e);
            }
        }
        return next;
    }
}
