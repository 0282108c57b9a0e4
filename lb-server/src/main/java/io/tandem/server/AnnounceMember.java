package io.tandem.server;

import io.tandem.config.AnnounceConfig;
import io.tandem.config.FailoverConfig;
import io.tandem.config.TandemConfig;
import io.tandem.server.announce.Announcer;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.tls.ListenerTls;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * This node's part among N active nodes ({@code failover.mode: announce}): the {@link Announcer} that
 * announces the VIPs by BGP while the node is ready, and the warm standby ({@link WarmPath}) whose warm-up
 * is part of being ready, exactly as for a pair member before it takes the VIPs over.
 */
final class AnnounceMember implements AutoCloseable {

    private final WarmPath warm;
    private final Announcer announcer;
    private final String node;
    /** Why the node cannot serve its share now, or null: listeners, pools, warm-up. */
    private final Supplier<String> readiness;

    /**
     * @param listenersDown why a listener is not serving (not bound, closed), or null
     * @param drainConnections drains the client connections (after a drain's withdraw wait)
     */
    AnnounceMember(FailoverConfig failover, AnnounceConfig announce, ProxyMetrics metrics, int ioThreads,
                   Supplier<TandemConfig> config, Supplier<Map<String, PoolRuntime>> pools, WarmPath.Binder binder,
                   Function<String, ListenerTls> listenerTls, Supplier<String> listenersDown,
                   Runnable drainConnections) {
        this.warm = new WarmPath(failover.warmUp(), metrics, ioThreads, config, pools, binder, listenerTls,
                () -> { }, () -> announcer().status().announced());
        this.node = failover.node();
        this.readiness = () -> {
            String down = listenersDown.get();
            return down != null ? down : warm.notReady();
        };
        this.announcer = new Announcer(announce, node, metrics.registry(), readiness, drainConnections);
    }

    /**
     * A change that a running announcing node cannot take in place, or null: the mode, the node's name or
     * the announce section (the VIPs and the daemon). The warm-up applies in place.
     */
    static String changeNeedingRestart(TandemConfig from, TandemConfig to) {
        boolean was = from.failover().map(FailoverConfig::announces).orElse(false);
        boolean is = to.failover().map(FailoverConfig::announces).orElse(false);
        String restart = "; restart this node for it (withdrawn first; the other nodes serve meanwhile), the "
                + "running config stays in force";
        if (was != is) {
            return "failover.mode: changing between announce and pair (or a single node) needs a restart" + restart;
        }
        if (!is) {
            return null;
        }
        if (!from.failover().get().node().equals(to.failover().get().node())) {
            return "failover.node: changed, which needs a restart" + restart;
        }
        if (!Objects.equals(from.announce(), to.announce())) {
            return "announce: changed, which needs a restart" + restart;
        }
        return null;
    }

    /** Whether {@code config} makes this node announce (then this class, not {@link PairMember}, is used). */
    static boolean announces(TandemConfig config) {
        return config.failover().map(FailoverConfig::announces).orElse(false);
    }

    /** Binds the private listeners, puts the VIPs on the interface, starts the warm-up and the checks. */
    void start() throws IOException, InterruptedException {
        warm.bind();
        announcer.start();
        warm.startWarmUp();
    }

    void reload(TandemConfig next, Map<String, PoolRuntime> nextPools) {
        warm.reload(next, nextPools);
        warm.reconfigure(next.failover().get().warmUp());
    }

    Announcer.Status status() {
        return announcer.status();
    }

    /** The failover part of /status: role {@code announce}, this node, whether it announces and is ready. */
    FailoverStatus failoverStatus() {
        Announcer.Status a = announcer.status();
        String notReady = readiness.get();
        return new FailoverStatus("announce", node, 0, null, null, null, a.announced(), null, a.reason(), null,
                notReady == null, notReady, null, false, false);
    }

    WarmStandby.Snapshot warmUp() {
        return warm.snapshot();
    }

    CompletableFuture<Announcer.Change> drainOrEnable(boolean drain) {
        return drain ? announcer.drain() : announcer.enable();
    }

    /** First step of a clean stop: withdraw, then serve for what is left of the withdraw wait. */
    void stop() {
        announcer.stop();
    }

    @Override
    public void close() {
        announcer.close();
        warm.close();
    }

    private Announcer announcer() {
        return announcer;
    }
}
