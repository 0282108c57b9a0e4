package io.tandem.server.admin;

import io.tandem.config.TandemConfig;
import io.tandem.server.FailoverStatus;
import io.tandem.server.ReloadResult;
import io.tandem.server.Transport;
import io.tandem.server.announce.Announcer;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.health.HealthChecks;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the admin API reads of the running node and asks of it: everything
 * the endpoints and /status touch, and nothing else. {@code TandemServer}
 * implements it and builds the {@link AdminServer}; the admin package knows
 * only this interface, so the server depends on admin and never the other
 * way round (docs/architecture.md, "Package dependencies").
 *
 * <p>Called on the admin event loop; every method is safe there (it reads
 * volatile snapshots or hands the work to another thread).
 */
public interface AdminNode {

    /** The config in force. */
    TandemConfig config();

    /** When the config in force was loaded. */
    Instant loadedAt();

    /** When this process started. */
    Instant startedAt();

    /** The node's meters: /metrics scrapes their registry. */
    ProxyMetrics metrics();

    /** The bound listeners, in config order. */
    List<ListenerRuntime> listeners();

    /** The address a listener is bound to (useful with port 0), or null when there is no such listener. */
    InetSocketAddress listenerAddress(String listener);

    /** The pools in force, by name. */
    Map<String, PoolRuntime> pools();

    /** The active checks of every pool (for /status); null before start. */
    HealthChecks healthChecks();

    /** This node's failover role and peer; standalone without failover. */
    FailoverStatus failoverStatus();

    /** The warm standby's progress, or null without failover. */
    WarmStandby.Snapshot warmStandby();

    /** The I/O transport, which the admin listener uses too. */
    Transport transport();

    /**
     * Reloads the file the running config came from, on the control thread
     * (never on an event loop: binding waits for the loops); same as SIGHUP.
     */
    CompletableFuture<ReloadResult> reloadAsync();

    /** The backends the admin API adds and removes at runtime; null before start. */
    default RuntimeBackends runtimeBackends() {
        return null;
    }

    /** An operator's drain, enable or weight was applied here: the pair's state sync sends it to the peer. */
    default void changedHere(SharedChange change) {
    }

    /** The pair's state sync for /status (peer link, sequence numbers, in sync or not); null without one. */
    default Map<String, Object> stateSync() {
        return null;
    }

    /** A planned handover of the VIPs to the peer (see {@link FailoverNode#handover()}). */
    CompletableFuture<FailoverNode.Handover> handover();

    /** With {@code failover.mode: announce}, this node's announce state; null otherwise. */
    default Announcer.Status announceStatus() {
        return null;
    }

    /**
     * Drains (true) or enables (false) an announcing node: withdraw the route first, drain after the wait;
     * announce again once ready. Completes once the daemon was told.
     */
    default CompletableFuture<Announcer.Change> announceNode(boolean drain) {
        return CompletableFuture.completedFuture(new Announcer.Change(false, null,
                "this node does not announce its VIPs (failover.mode: announce)"));
    }

    /** The HTTP caches in force, by name. */
    default Map<String, HttpCache> caches() {
        return Map.of();
    }
}
