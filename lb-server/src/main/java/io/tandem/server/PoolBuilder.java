package io.tandem.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.config.BackendConfig;
import io.tandem.config.ListenerConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.SlowStart;
import io.tandem.core.strategy.Balancer;
import io.tandem.core.strategy.Strategies;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.health.HealthEvents;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.BackendConnectionsControl;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.tls.BackendTls;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Builds the pools of a config beside the running ones, and retires the
 * backends the new pools no longer carry. A backend with the same address,
 * backup flag and sticky id in a pool of the same name and {@code tls}
 * settings is the same {@link Backend} object in the new pool, so its state,
 * counters and pooled connections carry over without copying (a reload, a
 * runtime change of backends and the start all build this way).
 *
 * <p>Each pool gets its balancer, meters, health (with the events that tell
 * the pair's state sync of ejections and, on the master, of check verdicts)
 * and backend TLS context. Called on the control path, under
 * {@link TandemServer}'s lock.
 */
final class PoolBuilder {

    private final ProxyMetrics metrics;
    private final EventLoopGroup workerGroup;
    /** Where a change this node's health made goes (the pair's state sync). */
    private final Consumer<SharedChange> changedHere;
    private final BooleanSupplier isMaster;

    PoolBuilder(ProxyMetrics metrics, EventLoopGroup workerGroup, Consumer<SharedChange> changedHere,
                BooleanSupplier isMaster) {
        this.metrics = metrics;
        this.workerGroup = workerGroup;
        this.changedHere = changedHere;
        this.isMaster = isMaster;
    }

    /**
     * Builds the pools of {@code next}, keeping the backends of {@code previous} that stay (see the class
     * comment). Throws {@link IllegalStateException} when a pool's TLS context cannot be built.
     */
    Map<String, PoolRuntime> build(TandemConfig next, Map<String, PoolRuntime> previous) {
        Map<String, BackendTls> contexts = TlsContexts.pools(next);
        List<String> listenerNames = new ArrayList<>();
        for (ListenerConfig l : next.listeners()) {
            listenerNames.add(l.name());
        }
        if (next.failover().isPresent()) {
            listenerNames.add(PairMember.WARM_UP); // the warm standby's private listeners come after the real ones
        }
        Map<String, PoolRuntime> built = new LinkedHashMap<>();
        for (PoolConfig p : next.pools().values()) {
            PoolRuntime old = previous.get(p.name());
            List<Backend> backends = new ArrayList<>();
            Map<Backend, Integer> reweigh = new IdentityHashMap<>();
            // Connections and checks made with other TLS settings or another protocol prove nothing of the new:
            // such backends start anew.
            boolean sameTls = old != null && old.config().tls().equals(p.tls())
                    && old.config().protocol() == p.protocol();
            for (BackendConfig bc : p.backends()) {
                Backend kept = old == null || !sameTls ? null : old.pool().backend(bc.address().toString());
                String sticky = bc.stickyId() != null ? bc.stickyId() : Backend.derivedStickyId(bc.address());
                if (kept != null && kept.backup() == bc.backup() && kept.stickyId().equals(sticky)) {
                    backends.add(kept);
                    kept.origin(bc.origin());
                    if (kept.configuredWeight() != bc.weight()) {
                        reweigh.put(kept, bc.weight());
                    }
                } else {
                    backends.add(new Backend(bc.address(), bc.weight(), bc.backup(), bc.stickyId(), bc.origin()));
                }
            }
            BackendPool pool = new BackendPool(p.name(), backends, SlowStart.over(p.slowStart()), System::nanoTime);
            reweigh.forEach(pool::setConfiguredWeight);
            PoolMeters meters = new PoolMeters(metrics, pool, listenerNames);
            HealthEvents events = new HealthEvents(workerGroup, meters, p.closeOnDownAfter().orElse(null));
            events.onEjected((b, d) -> changedHere.accept(new SharedChange(SharedChange.EJECT, p.name(), b.id(),
                    Long.toString(d.toMillis()))));
            // The backup learns the master's check verdicts (not the other way round: where the two nodes'
            // checks disagree, the node that carries the traffic speaks for the pair).
            events.onChecked((b, up) -> {
                if (isMaster.getAsBoolean()) {
                    changedHere.accept(new SharedChange(SharedChange.CHECK, p.name(), b.id(), up ? "up" : "down"));
                }
            });
            PoolHealth health = new PoolHealth(pool, p.health(), p.outlier(), System::nanoTime, events);
            events.attach(health);
            built.put(p.name(), new PoolRuntime(p, pool, Balancer.over(pool, Strategies.forPool(p)), meters, health,
                    contexts.get(p.name())));
        }
        return Collections.unmodifiableMap(built);
    }

    /**
     * The {@code next} pools replace the {@code old}: gauges for their backends, and the backends of the
     * {@code old} pools that the {@code next} ones do not carry retired: no new requests reach
     * them (they are in no routing), in-flight ones finish, their idle connections close now and busy ones
     * after their response. Each backend removed or added is listed in {@code changes}.
     */
    void replace(Map<String, PoolRuntime> old, Map<String, PoolRuntime> next, List<String> changes) {
        Set<Backend> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        next.values().forEach(p -> kept.addAll(p.pool().backends()));
        for (PoolRuntime p : old.values()) {
            for (Backend b : p.pool().backends()) {
                if (kept.contains(b)) {
                    continue;
                }
                b.retire();
                changes.add("-backend " + p.name() + "/" + b.id());
                for (EventExecutor loop : workerGroup) {
                    loop.execute(() -> BackendConnectionsControl.closeIdle(b));
                }
                PoolMeters.removeGauges(metrics, p.name(), b);
            }
        }
        for (PoolRuntime p : next.values()) {
            PoolRuntime before = old.get(p.name());
            for (Backend b : p.pool().backends()) {
                if (before == null || before.pool().backends().stream().noneMatch(x -> x == b)) {
                    changes.add("+backend " + p.name() + "/" + b.id());
                }
            }
        }
        next.values().forEach(p -> PoolMeters.ensureGauges(metrics, p.pool()));
    }
}
