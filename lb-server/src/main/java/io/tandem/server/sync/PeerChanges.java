package io.tandem.server.sync;

import io.tandem.core.pool.Backend;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.proxy.PoolRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the peer's changes to this node's pools, in the order they came,
 * on the node's control thread (where runtime backend changes and reloads
 * run), and lists this node's ejections for a full teach.
 */
public final class PeerChanges {

    private static final Logger log = LoggerFactory.getLogger(PeerChanges.class);

    private final Supplier<Map<String, PoolRuntime>> pools;
    private final RuntimeBackends runtime;
    private final Executor control;
    private final BooleanSupplier master;

    /** @param master whether this node is the pair's master now (only the master's check verdicts are taught) */
    public PeerChanges(Supplier<Map<String, PoolRuntime>> pools, RuntimeBackends runtime, Executor control,
                       BooleanSupplier master) {
        this.pools = pools;
        this.runtime = runtime;
        this.control = control;
        this.master = master;
    }

    /** Queues {@code c}, made on node {@code peer}, for the control thread. */
    public void apply(SharedChange c, String peer) {
        control.execute(() -> applyNow(c, peer));
    }

    private void applyNow(SharedChange c, String peer) {
        PoolRuntime p = pools.get().get(c.pool());
        if (p == null) {
            log.warn("state sync: {} changed pool {}, which this node does not have", peer, c.pool());
            return;
        }
        if (SharedChange.BACKEND.equals(c.what())) {
            RuntimeBackends.Outcome o = runtime.applyFromPeer(c, peer);
            if (o.status() >= 400 && o.status() != 409) {
                log.warn("state sync: {}'s change of pool {} backend {} not applied: {}", peer, c.pool(),
                        c.backend(), o.message());
            }
            return;
        }
        Backend b = p.pool().backend(c.backend());
        if (b == null) {
            log.warn("state sync: {} changed backend {} of pool {}, which this node does not have", peer,
                    c.backend(), c.pool());
            return;
        }
        switch (c.what()) {
            case SharedChange.DRAIN -> {
                if ("drained".equals(c.value())) {
                    p.health().drain(b, "drained on " + peer);
                } else {
                    p.health().enable(b, "enabled on " + peer);
                }
            }
            case SharedChange.WEIGHT -> {
                p.pool().setWeight(b, Integer.parseInt(c.value()));
                runtime.weightSet(c.pool(), c.backend(), Integer.parseInt(c.value()));
            }
            case SharedChange.EJECT -> p.health().ejectedByPeer(b, Long.parseLong(c.value()) * 1_000_000L, peer);
            case SharedChange.CHECK -> p.health().checkedByPeer(b, "up".equals(c.value()), peer);
            default -> log.warn("state sync: unknown change {} from {}", c.what(), peer);
        }
    }

    /**
     * What a full teach sends besides the operators' changes: this node's ejections now, with the
     * milliseconds each has left, and on the master the verdicts of its active checks.
     */
    public List<SharedChange> transientChanges() {
        List<SharedChange> out = new ArrayList<>();
        for (PoolRuntime p : pools.get().values()) {
            for (Backend b : p.pool().backends()) {
                long left = p.health().ejectedForNanos(b) / 1_000_000L;
                if (left > 0) {
                    out.add(new SharedChange(SharedChange.EJECT, p.name(), b.id(), Long.toString(left)));
                }
            }
            if (master.getAsBoolean()) {
                p.health().checkVerdicts().forEach((b, up) ->
                        out.add(new SharedChange(SharedChange.CHECK, p.name(), b.id(), up ? "up" : "down")));
            }
        }
        return out;
    }
}
