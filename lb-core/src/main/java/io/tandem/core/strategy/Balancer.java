package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import java.util.List;

/**
 * Picks backends of one pool with one strategy: it watches the pool's live
 * view and, for each new snapshot, publishes the strategy's {@link Picker}
 * over it through one volatile field. The hot path ({@link #pick}) reads that
 * field and nothing else of the pool, so a pick never waits.
 *
 * <p>It lives on the strategy side so that the pool does not know strategies:
 * {@code core.pool} keeps backends and their state, {@code core.strategy}
 * depends on it, never the other way round. A reload builds a new pool and a
 * new balancer; an exchange keeps the ones it started with.
 */
public final class Balancer {

    private final BalancingStrategy strategy;
    /** Written under the pool's lock (its watcher runs there); read lock-free by every event loop. */
    private volatile Picker picker;

    private Balancer(BalancingStrategy strategy) {
        this.strategy = strategy;
    }

    /** A balancer over {@code pool}'s live backends, current from now on. */
    public static Balancer over(BackendPool pool, BalancingStrategy strategy) {
        Balancer balancer = new Balancer(strategy);
        pool.watchLive(balancer::liveChanged);
        return balancer;
    }

    /** Picks a backend for a request; null when nothing is up (the caller answers 503). */
    public Backend pick(RequestContext request) {
        return picker.pick(request);
    }

    private void liveChanged(List<Backend> live) {
        // The previous picker goes along so that a change does not reset a rotation.
        picker = strategy.newPicker(live, picker);
    }
}
