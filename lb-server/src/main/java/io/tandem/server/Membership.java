package io.tandem.server;

import io.tandem.config.FailoverConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.failover.HeartbeatCodec;
import io.tandem.server.announce.Announcer;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.sync.PeerChanges;
import io.tandem.server.sync.StateSync;
import io.tandem.server.tls.ListenerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * This node's part among other nodes, as its {@code failover} section says:
 * none (standalone), one of a pair ({@link PairMember}, with the pair's
 * {@link StateSync} under {@code failover.state-sync}), or one of N nodes
 * that announce a route ({@link AnnounceMember}, {@code failover.mode:
 * announce}). It answers what the admin API asks of that part (failover
 * status, warm standby, handover, announce drain, state sync) the same way
 * whichever it is.
 *
 * <p>Started once (a change of the section needs a restart: see
 * {@link #changeNeedingRestart}); its members run their own threads, and the
 * fields read from other threads are volatile.
 */
final class Membership {

    /**
     * What the members need of the node: its config and pools in force, the way to bind listeners and the
     * TLS of the configured ones, why a listener is not bound (or null), whether the node is closing, and
     * the drain of its client connections.
     */
    record Node(ProxyMetrics metrics, int ioThreads, Supplier<TandemConfig> config,
                Supplier<Map<String, PoolRuntime>> pools, PairMember.Binder binder,
                Function<String, ListenerTls> listenerTls, Supplier<String> listenersDown, BooleanSupplier closing,
                Runnable drainClients) {}

    private final Node node;
    private volatile PairMember pair;
    private volatile AnnounceMember announce;
    private volatile StateSync sync;
    private volatile Supplier<FailoverStatus> status = () -> FailoverStatus.STANDALONE;

    Membership(Node node) {
        this.node = node;
    }

    /**
     * A change from {@code from} to {@code to} that a running node cannot take in place (adding or
     * removing the section, the mode, the addresses...), or null; such a reload is refused whole.
     */
    static String changeNeedingRestart(TandemConfig from, TandemConfig to) {
        return AnnounceMember.announces(from) || AnnounceMember.announces(to)
                ? AnnounceMember.changeNeedingRestart(from, to) : PairMember.changeNeedingRestart(from, to);
    }

    /**
     * Joins the others as {@code config} says: binds the warm standby's private listeners and starts the
     * heartbeats or the announcer; in a pair with state sync, also the sync with the peer, which applies
     * the peer's changes on {@code control} to the pools and to {@code runtime}.
     */
    void start(TandemConfig config, RuntimeBackends runtime, Executor control)
            throws IOException, InterruptedException {
        if (AnnounceMember.announces(config)) {
            AnnounceMember a = new AnnounceMember(config.failover().get(), config.announce().orElseThrow(),
                    node.metrics(), node.ioThreads(), node.config(), node.pools(), node.binder(), node.listenerTls(),
                    () -> cannotServe(new FailoverConfig.TrackConfig(false, true)),
                    node.drainClients());
            announce = a;
            a.start();
            status = a::failoverStatus;
        } else if (config.failover().isPresent()) {
            // Tracking reads the config in force, so a reload's new `track` applies at once.
            PairMember p = new PairMember(config.failover().get(), node.metrics(), node.ioThreads(), node.config(),
                    node.pools(), () -> cannotServe(node.config().get().failover().get().track()),
                    node.binder(), node.listenerTls());
            pair = p;
            p.start();
            status = p::status;
            startStateSync(config.failover().get(), runtime, control);
        }
    }

    /**
     * Why this node cannot serve now (failover then goes FAULT), or null: per {@code failover.track}, a
     * listener that is no longer bound, or no backend up in any pool. Runs on the heartbeat thread and
     * reads only volatile snapshots.
     */
    private String cannotServe(FailoverConfig.TrackConfig track) {
        if (node.closing().getAsBoolean()) {
            return null;
        }
        if (track.listenerFailed()) {
            String down = node.listenersDown().get();
            if (down != null) {
                return down;
            }
        }
        Map<String, PoolRuntime> current = node.pools().get();
        if (track.noBackendUp() && !current.isEmpty()) {
            for (PoolRuntime p : current.values()) {
                if (!p.pool().live().isEmpty()) {
                    return null;
                }
            }
            return "no backend up in any pool";
        }
        return null;
    }

    /** With {@code failover.state-sync}: this node's runtime changes go to the peer and the peer's apply here. */
    private void startStateSync(FailoverConfig f, RuntimeBackends runtime, Executor control) throws IOException {
        if (!f.stateSync()) {
            return;
        }
        PeerChanges peer = new PeerChanges(node.pools(), runtime, control, this::isMaster);
        StateSync s = new StateSync(f.node(), HeartbeatCodec.parseKey(Files.readString(Path.of(f.authKeyFile()))),
                f.bind().resolve(), f.peer().resolve(), peer::apply, peer::transientChanges);
        runtime.onChange(s::local);
        s.start();
        sync = s;
    }

    /**
     * A reload's config {@code next} with its pools is in force (was {@code before}): true when the pair's
     * settings changed. {@code backendsOnly}: a runtime change of backends, which announcing nodes ignore.
     */
    boolean reload(TandemConfig before, TandemConfig next, Map<String, PoolRuntime> nextPools,
                   boolean backendsOnly) {
        boolean changed = pair != null && pair.reload(before, next, nextPools);
        if (announce != null && !backendsOnly) {
            announce.reload(next, nextPools);
        }
        return changed;
    }

    FailoverStatus status() {
        return status.get();
    }

    /** Whether this node is the master of its pair now. */
    boolean isMaster() {
        return "master".equals(status.get().role());
    }

    /** A change made on this node (admin API, health): the peer learns it when the pair syncs state. */
    void changedHere(SharedChange change) {
        StateSync s = sync;
        if (s != null) {
            s.local(change);
        }
    }

    /** The state sync's status for /status, or null without one. */
    Map<String, Object> stateSync() {
        StateSync s = sync;
        return s == null ? null : s.status();
    }

    WarmStandby.Snapshot warmStandby() {
        PairMember p = pair;
        AnnounceMember a = announce;
        return p != null ? p.warmUp() : a != null ? a.warmUp() : null;
    }

    Announcer.Status announceStatus() {
        AnnounceMember a = announce;
        return a == null ? null : a.status();
    }

    /** The admin API's drain or enable of an announcing node; null when this node does not announce. */
    CompletableFuture<Announcer.Change> announceNode(boolean drain) {
        AnnounceMember a = announce;
        return a != null ? a.drainOrEnable(drain) : null;
    }

    CompletableFuture<FailoverNode.Handover> handover() {
        PairMember p = pair;
        return p != null ? p.handover() : CompletableFuture.completedFuture(
                new FailoverNode.Handover(false, "this node has no failover section", 0));
    }

    /**
     * First step of a graceful stop, while the listeners still serve: a master hands its VIPs to the peer
     * (released in {@link #close}, after the drain); an announcing node withdraws and waits while the
     * router moves new flows.
     */
    void stop() {
        if (pair != null) {
            pair.stop();
        }
        if (announce != null) {
            announce.stop();
        }
    }

    /** Leaves the others: the state sync, then the pair or the announcer. */
    void close() {
        if (sync != null) {
            sync.close();
        }
        if (pair != null) {
            pair.close();
        }
        if (announce != null) {
            announce.close();
        }
    }
}
