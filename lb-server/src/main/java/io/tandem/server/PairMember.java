package io.tandem.server;

import io.tandem.config.FailoverConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.tls.ListenerTls;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * This node's part in a failover pair: the heartbeat node ({@link FailoverNode}), the warm standby
 * ({@link WarmPath}: {@link WarmStandby} with its private per-pool listeners), and what the two need to know
 * of the server: whether the node is ready to take the VIPs, its requests in flight.
 */
final class PairMember implements AutoCloseable {

    /** The listener name of the warm standby's requests in metrics. */
    static final String WARM_UP = WarmPath.WARM_UP;

    /** Binds a listener of the server's kind (transport, options, pipeline) whose connections join {@code group}. */
    interface Binder extends WarmPath.Binder {}

    private final Supplier<Map<String, PoolRuntime>> pools;
    private final FailoverNode node;
    private final WarmPath warm;

    /**
     * @param config the config in force (a reload replaces it)
     * @param pools the pools in force
     * @param tracking why the node cannot serve at all (then FAULT), or null; see {@link FailoverNode}
     * @param listenerTls the TLS in force on a configured listener, by name (null for a plain one)
     */
    PairMember(FailoverConfig failover, ProxyMetrics metrics, int ioThreads, Supplier<TandemConfig> config,
               Supplier<Map<String, PoolRuntime>> pools, Supplier<String> tracking, Binder binder,
               Function<String, ListenerTls> listenerTls) {
        this.pools = pools;
        this.node = new FailoverNode(failover, metrics.registry(), tracking, () -> warm().notReady(),
                this::requestsInFlight);
        this.warm = new WarmPath(failover.warmUp(), metrics, ioThreads, config, pools, binder, listenerTls,
                node::wakeUp, node::master);
    }

    /**
     * A change of the failover section that a running node cannot take in
     * place (see {@link FailoverNode#restartOnlyChanges}), or null. Such a
     * reload is refused whole, so the running config stays consistent.
     */
    static String changeNeedingRestart(TandemConfig from, TandemConfig to) {
        String restart = "; restart this node for it (its peer serves meanwhile), the running config stays in force";
        if (from.failover().isPresent() != to.failover().isPresent()) {
            return "failover: adding or removing the failover section needs a restart" + restart;
        }
        if (from.failover().isEmpty()) {
            return null;
        }
        List<String> keys = FailoverNode.restartOnlyChanges(from.failover().get(), to.failover().get());
        return keys.isEmpty() ? null
                : "failover." + String.join(", failover.", keys) + ": changed, which needs a restart" + restart;
    }

    /** Binds the private listeners, then starts the heartbeats (as BACKUP) and the warm-up. */
    void start() throws IOException, InterruptedException {
        warm.bind();
        node.start();
        warm.startWarmUp();
    }

    /**
     * A reload committed {@code next} with {@code nextPools}: the private listeners follow the pools, and
     * changed failover settings apply in place. Returns whether those settings changed.
     */
    boolean reload(TandemConfig before, TandemConfig next, Map<String, PoolRuntime> nextPools) {
        warm.reload(next, nextPools);
        if (next.failover().equals(before.failover())) {
            return false;
        }
        node.reconfigure(next.failover().get());
        warm.reconfigure(next.failover().get().warmUp());
        return true;
    }

    FailoverStatus status() {
        return node.adminStatus();
    }

    WarmStandby.Snapshot warmUp() {
        return warm.snapshot();
    }

    CompletableFuture<FailoverNode.Handover> handover() {
        return node.handover();
    }

    /** First step of a clean stop: a master hands its VIPs over (see {@link FailoverNode#stop()}). */
    void stop() {
        node.stop();
    }

    @Override
    public void close() {
        warm.close();
        node.close();
    }

    /** The warm path; read by the heartbeat thread once the constructor is done. */
    private WarmPath warm() {
        return warm;
    }

    /** Requests in flight to backends, over every pool (a graceful step-down waits for them). */
    private int requestsInFlight() {
        int n = 0;
        for (PoolRuntime p : pools.get().values()) {
            for (Backend b : p.pool().backends()) {
                n += b.inFlight();
            }
        }
        return n;
    }
}
