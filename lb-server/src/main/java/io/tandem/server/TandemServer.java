package io.tandem.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.config.ConfigException;
import io.tandem.config.ConfigLoader;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.Problem;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.admin.AdminNode;
import io.tandem.server.admin.AdminServer;
import io.tandem.server.health.HealthChecks;
import io.tandem.server.admin.AdminToken;
import io.tandem.server.announce.Announcer;
import io.tandem.server.dynamic.DnsDiscovery;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.dynamic.StateFile;
import io.tandem.server.cache.Caches;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.AccessLogs;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.Routing;
import io.tandem.server.systemd.ServiceNotifier;
import io.tandem.server.tls.ListenerTls;
import io.tandem.server.tls.TlsEngine;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tandem node: event loops, pools, listeners and the admin
 * endpoint built from a config, and the one place that changes them. Its
 * parts: {@link PoolBuilder} (each config's pools, the backends that stay
 * carried over), {@link Listeners} (the listening sockets), {@link Membership}
 * (its part in a pair or an announcing group), {@link ClientDrain} (the client
 * connections), {@link SlowStartTicker}, and the runtime backends
 * ({@link RuntimeBackends}, {@link DnsDiscovery}).
 *
 * <p>{@link #start()} binds everything or fails, in this order: runtime
 * backends and DNS (the config in force is the file's merged with them),
 * pools and caches, slow start, health checks (probe-first pools are checked
 * before any listener accepts), listeners with their TLS and redirect-http
 * companions, ticket-key watches, the membership (warm standby listeners,
 * heartbeats or announcer, state sync), and the admin endpoint last, so that
 * once {@code /healthz} answers every listener is bound. {@link #reload}
 * builds the pools and binds the new sockets of a new config beside the
 * running ones, carrying over the {@link Backend} objects (health state,
 * in-flight counts, pooled connections) of backends that stay, then swaps
 * each listener's routing with one write; requests in flight finish on the
 * routing they started with. {@link #shutdown} first lets the membership
 * hand over or withdraw, then stops accepting, drains the client connections
 * for at most the timeout, and {@link #close} stops the rest: membership,
 * ticket-key watches, DNS, health checks, sockets, client connections, access
 * logs, caches, admin, the control thread, the loops.
 *
 * <p>Control operations (start, reload, shutdown) are serialized on this
 * object; the data path never takes its lock. It is the {@link AdminNode} the
 * admin API reads and asks (the admin package knows only that interface).
 */
public final class TandemServer implements AdminNode, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    private final Transport transport;
    private final EventLoopGroup adminGroup;
    private final EventLoopGroup workerGroup;
    private final ProxyMetrics metrics = ProxyMetrics.fromSystemProperties();
    /** The listeners' access logs and the syslog senders they share. */
    private final AccessLogs accessLogs = new AccessLogs(metrics);
    private final Caches caches;
    /** Every client connection, and their drain at shutdown. */
    private final ClientDrain clients = new ClientDrain();
    /** The listening sockets: the listeners and their redirect-http companions. */
    private final Listeners listeners;
    /** Builds each config's pools beside the running ones. */
    private final PoolBuilder poolBuilder;
    /** This node's part in a pair or an announcing group (none when standalone). */
    private final Membership membership;
    /** Watchers of the listeners' ticket-keys files: a change reloads the config, so keys rotate without restart. */
    private final TicketKeyWatch ticketKeys = new TicketKeyWatch(this::reloadAsync);
    private final Instant startedAt = Instant.now();
    private final java.util.concurrent.ExecutorService control = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, "tandem-control");
                t.setDaemon(true);
                return t;
            });
    private volatile TandemConfig config;
    private volatile Instant loadedAt = startedAt;
    private volatile Map<String, PoolRuntime> pools = Map.of();
    private volatile ServiceNotifier notifier = ServiceNotifier.none();
    private AdminServer admin;
    private volatile HealthChecks healthChecks;
    private volatile boolean closing;
    private HostPort adminBind;
    /** The backends the admin API and DNS add and remove; built at start. */
    private volatile RuntimeBackends runtime;
    /** The dns: and dns-srv: backend entries, asked again as their TTLs run out; built at start. */
    private DnsDiscovery dns;

    public TandemServer(TandemConfig config, int workerThreads) {
        this.config = config;
        this.transport = Transport.best();
        this.adminGroup = transport.newControlGroup("tandem-admin");
        this.workerGroup = transport.newGroup(workerThreads, "tandem-io");
        this.listeners = new Listeners(transport, workerGroup, metrics, clients.group());
        this.poolBuilder = new PoolBuilder(metrics, workerGroup, this::changedHere, this::isMaster);
        this.membership = new Membership(new Membership.Node(metrics, workerThreads, () -> this.config,
                () -> pools, listeners::bind, listeners::tls, listeners::notBound, () -> closing, this::drainClients));
        this.caches = new Caches(metrics.registry(), System::nanoTime, System::currentTimeMillis, workerGroup,
                transport.socketChannel());
        metrics.buildInfo(transport.name());
        metrics.configApplied(startedAt);
    }

    @Override
    public TandemConfig config() {
        return config;
    }

    @Override
    public Instant loadedAt() {
        return loadedAt;
    }

    @Override
    public Map<String, PoolRuntime> pools() {
        return pools;
    }

    @Override
    public List<ListenerRuntime> listeners() {
        synchronized (this) {
            return listeners.runtimes();
        }
    }

    @Override
    public Map<String, HttpCache> caches() {
        return caches.all();
    }

    @Override
    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public HealthChecks healthChecks() {
        return healthChecks;
    }

    @Override
    public FailoverStatus failoverStatus() {
        return membership.status();
    }

    /** Makes every reload, whoever asks for it, tell systemd through {@code serviceNotifier}. */
    public void notifier(ServiceNotifier serviceNotifier) {
        this.notifier = serviceNotifier;
    }

    /** Every event loop of this node: the admin loop first, then the I/O loops. */
    public List<EventExecutor> eventLoops() {
        List<EventExecutor> loops = new ArrayList<>();
        adminGroup.forEach(loops::add);
        workerGroup.forEach(loops::add);
        return loops;
    }

    /** Builds pools and binds listeners and admin; on failure, everything bound so far is closed. */
    public synchronized void start() throws InterruptedException {
        Path source = Path.of(config.source());
        runtime = new RuntimeBackends(java.nio.file.Files.isRegularFile(source)
                ? new StateFile(StateFile.beside(source)) : null, () -> pools, this::applyBackends, control,
                adminGroup.next());
        dns = new DnsDiscovery(adminGroup.next(), transport, metrics, (pool, backends) -> {
            try {
                control.execute(() -> runtime.dnsAnswered(pool, backends));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Closing: the change no longer matters.
            }
        });
        try {
            config = runtime.start(config, dns.start(config));
        } catch (java.io.IOException e) {
            close();
            throw new IllegalStateException("state file: " + e.getMessage(), e);
        }
        pools = poolBuilder.build(config, Map.of());
        Map<String, HttpCache> startCaches = caches.prepare(config.caches());
        caches.commit(config.caches(), startCaches, AdminToken.load(config.admin().tokenFile()).check());
        pools.values().forEach(p -> PoolMeters.ensureGauges(metrics, p.pool()));
        pools.values().forEach(p -> p.health().activate(null));
        // The admin group has one loop: ticks never overlap.
        new SlowStartTicker(adminGroup.next(), () -> pools).start();
        try {
            // Every backend of a probe-first pool is checked before a listener accepts a connection.
            healthChecks = new HealthChecks(pools.values(), workerGroup, transport);
            healthChecks.probeAtStart();
            healthChecks.start();
            Map<String, ListenerTls> tls = TlsContexts.listeners(config, metrics);
            listeners.start(config, routings(config, pools, caches.all()), tls);
            if (!tls.isEmpty() && TlsEngine.whyNotOpenSsl() != null) {
                log.warn("TLS runs on the JDK's engine: OpenSSL is not available ({})", TlsEngine.whyNotOpenSsl());
            }
            tls.values().forEach(ListenerTls::publishExpiry);
            ticketKeys.watch(config);
            membership.start(config, runtime, control);
            // The admin port opens last: once /healthz answers, every listener is bound.
            admin = new AdminServer(this, AdminToken.load(config.admin().tokenFile()));
            admin.bind(adminGroup, config.admin().bind());
            adminBind = config.admin().bind();
            dns.startPublishing();
            if (!metrics.requestMetrics()) {
                log.warn("per-request metrics are off (-D{}=false): a benchmarking switch, not for production",
                        ProxyMetrics.REQUEST_METRICS_PROPERTY);
            }
        } catch (java.io.IOException e) {
            close();
            throw new IllegalStateException("failover: " + e.getMessage(), e);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /**
     * Reads {@code file} and applies it. An invalid file, or a listener that
     * cannot bind, leaves the running config in force; the result lists why.
     */
    public synchronized ReloadResult reload(Path file) {
        TandemConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            List<String> problems = new ArrayList<>();
            for (Problem p : e.problems()) {
                problems.add(p.toString());
            }
            return refuse(problems);
        }
        next.warnings().forEach(w -> log.warn("config warning: {}", w));
        RuntimeBackends r = runtime;
        ReloadResult result = apply(r == null ? next : r.effective(next));
        if (result.applied() && r != null) {
            r.committed(next);
            dns.reconfigure(next);
        }
        return result;
    }

    @Override
    public RuntimeBackends runtimeBackends() {
        return runtime;
    }

    /** Whether this node is the master of its pair now. */
    private boolean isMaster() {
        return membership.isMaster();
    }

    @Override
    public void changedHere(SharedChange change) {
        membership.changedHere(change);
    }

    @Override
    public Map<String, Object> stateSync() {
        return membership.stateSync();
    }

    /**
     * Applies {@code next}, which differs from the config in force only in its
     * pools' backends (a runtime change: admin API, DNS). The pools are built
     * as a reload builds them (backends that stay are the same objects), the
     * listeners' routings are re-pointed at them with their routes' limits
     * kept, and listeners, TLS and the admin endpoint are left alone. Not
     * counted as a reload.
     */
    synchronized ReloadResult applyBackends(TandemConfig next) {
        if (next.equals(config)) {
            return ReloadResult.applied("no backend changed");
        }
        Map<String, PoolRuntime> nextPools;
        try {
            nextPools = poolBuilder.build(next, pools);
        } catch (IllegalStateException e) {
            return ReloadResult.refused(List.of(e.getMessage()));
        }
        handOverHealth(nextPools);
        listeners.repoint(nextPools);
        membership.reload(config, next, nextPools, true);
        List<String> changes = new ArrayList<>();
        poolBuilder.replace(pools, nextPools, changes);
        pools = nextPools;
        config = next;
        String summary = changes.isEmpty() ? "no backend changed" : String.join(", ", changes);
        log.info("backends changed at runtime: {}", summary);
        return ReloadResult.applied(summary);
    }

    @Override
    public java.util.concurrent.CompletableFuture<ReloadResult> reloadAsync() {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            ServiceNotifier n = notifier;
            n.reloading();
            // READY follows RELOADING whatever happens: systemd holds the unit in "reloading" until it comes.
            String status = "reload failed unexpectedly; see the log";
            try {
                ReloadResult result = reload(Path.of(config.source()));
                status = result.applied() ? "config reloaded: " + result.summary()
                        : "reload refused (" + result.summary() + "): " + String.join("; ", result.problems());
                return result;
            } finally {
                n.reloaded(status);
            }
        }, control);
    }

    /** Applies a validated config; see {@link #reload}. */
    public synchronized ReloadResult apply(TandemConfig next) {
        String failoverProblem = Membership.changeNeedingRestart(config, next);
        if (failoverProblem != null) {
            return refuse(List.of(failoverProblem));
        }
        Map<String, ListenerTls> nextTls;
        Map<String, PoolRuntime> nextPools;
        try {
            nextTls = TlsContexts.listeners(next, metrics);
            nextPools = poolBuilder.build(next, pools);
        } catch (IllegalStateException e) {
            return refuse(List.of(e.getMessage()));
        }
        AdminServer nextAdmin = null;
        AdminToken nextToken;
        try {
            nextToken = AdminToken.load(next.admin().tokenFile());
        } catch (IllegalStateException e) {
            return refuse(List.of("admin.token-file: " + e.getMessage()));
        }
        if (!next.admin().bind().equals(adminBind)) {
            nextAdmin = new AdminServer(this, nextToken);
            try {
                nextAdmin.bind(adminGroup, next.admin().bind());
            } catch (Exception e) {
                return refuse(List.of("admin: cannot bind " + next.admin().bind() + ": " + Listeners.describe(e)));
            }
        }
        // Bind what is new first: if anything cannot bind, nothing has changed yet.
        Map<String, HttpCache> nextCaches = caches.prepare(next.caches());
        Map<String, Routing> routings = routings(next, nextPools, nextCaches);
        Listeners.Opened opened;
        try {
            opened = listeners.bindNew(next, routings, nextTls);
        } catch (Listeners.BindFailed e) {
            if (nextAdmin != null) {
                nextAdmin.close();
            }
            return refuse(List.of(e.getMessage()));
        }
        // Commit: every step below is a swap or a close, none can fail.
        caches.commit(next.caches(), nextCaches, nextToken.check());
        // Health first: backends new to a pool are out of rotation until checked before any routing sees them.
        handOverHealth(nextPools);
        List<String> changes = new ArrayList<>();
        listeners.commit(config, next, opened, routings, nextTls, changes);
        ticketKeys.watch(next);
        if (membership.reload(config, next, nextPools, false)) {
            changes.add("~failover settings");
        }
        if (nextAdmin != null) {
            admin.close();
            admin = nextAdmin;
            adminBind = next.admin().bind();
        } else {
            admin.useToken(nextToken);
        }
        poolBuilder.replace(pools, nextPools, changes);
        pools = nextPools;
        config = next;
        loadedAt = Instant.now();
        accessLogs.retain(next.listeners());
        metrics.configReloaded(true, loadedAt);
        String summary = changes.isEmpty() ? "no listener or backend changed" : String.join(", ", changes);
        log.info("config reloaded from {}: {}", next.source(), summary);
        return ReloadResult.applied(summary);
    }

    private ReloadResult refuse(List<String> problems) {
        // Senders a refused config started for its listeners go again.
        accessLogs.retain(config.listeners());
        metrics.configReloaded(false, Instant.now());
        for (String p : problems) {
            log.error("reload refused: {}", p);
        }
        log.error("reload refused with {} problem(s); the running config stays in force", problems.size());
        return ReloadResult.refused(problems);
    }

    /**
     * The routing of each listener of {@code next} (by name) over {@code nextPools} and {@code nextCaches};
     * a listener running now under the same name hands its routes' per-client counters on.
     */
    private Map<String, Routing> routings(TandemConfig next, Map<String, PoolRuntime> nextPools,
                                          Map<String, HttpCache> nextCaches) {
        Map<String, Routing> running = new HashMap<>();
        for (ListenerRuntime r : listeners.runtimes()) {
            running.put(r.name(), r.routing());
        }
        Map<String, Routing> routings = new LinkedHashMap<>();
        for (int i = 0; i < next.listeners().size(); i++) {
            ListenerConfig l = next.listeners().get(i);
            routings.put(l.name(), new Routing(l, i, nextPools, accessLogs, nextCaches, running.get(l.name())));
        }
        return routings;
    }

    /**
     * The health of {@code nextPools} takes over from the running pools' (what their checks and outlier
     * detection knew of the backends that stay), the health of pools they drop retires, and their active
     * checks replace the running ones.
     */
    private void handOverHealth(Map<String, PoolRuntime> nextPools) {
        for (PoolRuntime p : nextPools.values()) {
            PoolRuntime before = pools.get(p.name());
            p.health().activate(before == null ? null : before.health());
        }
        for (PoolRuntime p : pools.values()) {
            if (!nextPools.containsKey(p.name())) {
                p.health().retire();
            }
        }
        HealthChecks previousChecks = healthChecks;
        healthChecks = new HealthChecks(nextPools.values(), workerGroup, transport, previousChecks);
        previousChecks.close();
        healthChecks.start();
    }

    @Override
    public WarmStandby.Snapshot warmStandby() {
        return membership.warmStandby();
    }

    @Override
    public Announcer.Status announceStatus() {
        return membership.announceStatus();
    }

    @Override
    public java.util.concurrent.CompletableFuture<Announcer.Change> announceNode(boolean drain) {
        java.util.concurrent.CompletableFuture<Announcer.Change> answer = membership.announceNode(drain);
        return answer != null ? answer : AdminNode.super.announceNode(drain);
    }

    /**
     * Drains the client connections without closing the listeners (an announcing node after its withdraw
     * wait): idle ones close, busy ones after their current response. Flows the router still sends get served.
     */
    private void drainClients() {
        log.info("draining {} client connection(s); listeners stay open", clients.open());
        clients.drain();
    }

    @Override
    public java.util.concurrent.CompletableFuture<FailoverNode.Handover> handover() {
        return membership.handover();
    }

    @Override
    public synchronized InetSocketAddress listenerAddress(String name) {
        return listeners.address(name);
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /**
     * Graceful stop: stop accepting (new connections are refused), close idle
     * client connections, let each busy one finish its current response (sent
     * with {@code Connection: close}), for at most {@code timeout}. Returns
     * the number of client connections still open when the time ran out.
     */
    public int shutdown(Duration timeout) {
        // First, while the listeners still serve: a master hands its VIPs to the peer. It releases
        // them in close(), after the drain, so that answers to connections made through them get out.
        closing = true;
        // An announcing node is withdrawn first; the listeners serve for the withdraw wait while the router
        // moves new flows.
        membership.stop();
        synchronized (this) {
            listeners.stopAccepting();
            log.info("stopped accepting; {} client connection(s) finishing (at most {})", clients.open(),
                    io.tandem.config.Units.format(timeout));
        }
        clients.drain();
        int left = clients.awaitClosed(timeout);
        if (left > 0) {
            log.warn("shutdown timeout: closing {} client connection(s) with requests still in flight", left);
        }
        close();
        return left;
    }

    @Override
    public synchronized void close() {
        stopFailover();
        ticketKeys.close();
        if (dns != null) {
            dns.close();
        }
        if (healthChecks != null) {
            healthChecks.close();
        }
        listeners.stopAccepting();
        clients.close();
        accessLogs.close();
        caches.close();
        if (admin != null) {
            admin.close();
        }
        control.shutdownNow();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        adminGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private void stopFailover() {
        closing = true;
        membership.close();
    }
}
