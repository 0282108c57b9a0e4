package io.tandem.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tandem.config.BackendConfig;
import io.tandem.config.FailoverConfig;
import io.tandem.config.ConfigException;
import io.tandem.config.ConfigLoader;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.Problem;
import io.tandem.config.TandemConfig;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.SlowStart;
import io.tandem.core.strategy.Balancer;
import io.tandem.core.strategy.Strategies;
import io.tandem.server.admin.AdminNode;
import io.tandem.server.admin.AdminServer;
import io.tandem.server.health.HealthChecks;
import io.tandem.server.health.HealthEvents;
import io.tandem.server.admin.AdminToken;
import io.tandem.server.announce.Announcer;
import io.tandem.server.dynamic.DnsDiscovery;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.sync.PeerChanges;
import io.tandem.server.sync.StateSync;
import io.tandem.server.dynamic.StateFile;
import io.tandem.server.cache.Caches;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.AccessLogs;
import io.tandem.server.proxy.BackendConnectionsControl;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.ProxyInitializer;
import io.tandem.server.proxy.Routing;
import io.tandem.server.proxy.ShutdownEvent;
import io.tandem.server.redirect.RedirectListener;
import io.tandem.server.systemd.ServiceNotifier;
import io.tandem.server.tls.BackendTls;
import io.tandem.server.tls.ListenerTls;
import io.tandem.server.tls.TlsEngine;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tandem node: event loops, pools, listeners and the admin
 * endpoint built from a config.
 *
 * <p>{@link #start()} binds everything or fails. {@link #reload} builds the
 * routing of a new config beside the running one, carrying over the
 * {@link Backend} objects (health state, in-flight counts, pooled connections)
 * of backends that stay, then swaps each listener's routing with one write;
 * requests in flight finish on the routing they started with.
 * {@link #shutdown} stops accepting and lets in-flight requests finish.
 *
 * <p>Control operations (start, reload, shutdown) are serialized on this
 * object; the data path never takes its lock. It is the {@link AdminNode} the
 * admin API reads and asks (the admin package knows only that interface).
 */
public final class TandemServer implements AdminNode, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup workerGroup;
    private final ProxyMetrics metrics = ProxyMetrics.fromSystemProperties();
    /** The listeners' access logs and the syslog senders they share. */
    private final AccessLogs accessLogs = new AccessLogs(metrics);
    private final Caches caches;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final Map<String, BoundListener> listeners = new LinkedHashMap<>();
    /** The plain listeners of {@code redirect-http}, by the name of the TLS listener they redirect to. */
    private final Map<String, BoundRedirect> redirects = new LinkedHashMap<>();
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
    private volatile Supplier<FailoverStatus> failover = () -> FailoverStatus.STANDALONE;
    private volatile ServiceNotifier notifier = ServiceNotifier.none();
    private AdminServer admin;
    private volatile HealthChecks healthChecks;
    /** This node's part in a failover pair; null without a failover section or when it announces. */
    private PairMember pair;
    /** This node's part among N active nodes (failover.mode: announce); null otherwise. */
    private AnnounceMember announce;
    private final int workerThreads;
    /** The bound listeners for the heartbeat thread's tracking, replaced as a whole (never locked). */
    private volatile List<BoundListener> trackedListeners = List.of();
    private volatile boolean closing;
    private HostPort adminBind;
    /** The backends the admin API and DNS add and remove; built at start. */
    private volatile RuntimeBackends runtime;
    /** The dns: and dns-srv: backend entries, asked again as their TTLs run out; built at start. */
    private DnsDiscovery dns;
    /** The pair's state sync ({@code failover.state-sync}); null without it. */
    private volatile StateSync sync;

    /** A bound listener: its runtime (whose routing a reload swaps) and its server channel. */
    record BoundListener(ListenerRuntime runtime, Channel channel, HostPort bind) {}

    /** A bound {@code redirect-http} listener: its pipeline (whose target a reload updates) and its channel. */
    private record BoundRedirect(RedirectListener listener, Channel channel, HostPort from) {}

    public TandemServer(TandemConfig config, int workerThreads) {
        this.config = config;
        this.transport = Transport.best();
        this.acceptGroup = transport.newGroup(1, "tandem-accept");
        this.workerGroup = transport.newGroup(workerThreads, "tandem-io");
        this.workerThreads = workerThreads;
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
            List<ListenerRuntime> out = new ArrayList<>();
            listeners.values().forEach(l -> out.add(l.runtime()));
            return out;
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
        return failover.get();
    }

    /** Makes the admin API ask {@code source} for the failover status (the failover runtime sets it). */
    public void failoverStatus(Supplier<FailoverStatus> source) {
        this.failover = source;
    }

    /** Makes every reload, whoever asks for it, tell systemd through {@code serviceNotifier}. */
    public void notifier(ServiceNotifier serviceNotifier) {
        this.notifier = serviceNotifier;
    }

    /** Every event loop of this node: the accept loop first, then the I/O loops. */
    public List<EventExecutor> eventLoops() {
        List<EventExecutor> loops = new ArrayList<>();
        acceptGroup.forEach(loops::add);
        workerGroup.forEach(loops::add);
        return loops;
    }

    /** Builds pools and binds listeners and admin; on failure, everything bound so far is closed. */
    public synchronized void start() throws InterruptedException {
        Path source = Path.of(config.source());
        runtime = new RuntimeBackends(java.nio.file.Files.isRegularFile(source)
                ? new StateFile(StateFile.beside(source)) : null, () -> pools, this::applyBackends, control,
                acceptGroup.next());
        dns = new DnsDiscovery(acceptGroup.next(), transport, metrics, (pool, backends) -> {
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
        pools = buildPools(config, Map.of());
        Map<String, HttpCache> startCaches = caches.prepare(config.caches());
        caches.commit(config.caches(), startCaches, AdminToken.load(config.admin().tokenFile()).check());
        pools.values().forEach(p -> PoolMeters.ensureGauges(metrics, p.pool()));
        pools.values().forEach(p -> p.health().activate(null));
        acceptGroup.next().execute(this::advanceSlowStart);
        try {
            // Every backend of a probe-first pool is checked before a listener accepts a connection.
            healthChecks = new HealthChecks(pools.values(), workerGroup, transport);
            healthChecks.probeAtStart();
            healthChecks.start();
            Map<String, ListenerTls> tls = TlsContexts.listeners(config, metrics);
            for (int i = 0; i < config.listeners().size(); i++) {
                ListenerConfig l = config.listeners().get(i);
                ListenerTls t = tls.get(l.name());
                BoundListener bound = bindOn(l, new Routing(l, i, pools, accessLogs, caches.all()), clients, t);
                listeners.put(l.name(), bound);
                log.info("listener {} on {} ({}pool {}, transport {}{})", l.name(), bound.channel().localAddress(),
                        l.tcp() ? "mode tcp, " : "", l.pool(), transport.name(),
                        t == null ? "" : ", TLS " + t.engine().description() + " with "
                                + t.config().certificates().size() + " certificate(s)");
            }
            if (!tls.isEmpty() && TlsEngine.whyNotOpenSsl() != null) {
                log.warn("TLS runs on the JDK's engine: OpenSSL is not available ({})", TlsEngine.whyNotOpenSsl());
            }
            trackedListeners = List.copyOf(listeners.values());
            tls.values().forEach(ListenerTls::publishExpiry);
            ticketKeys.watch(config);
            for (ListenerConfig l : config.listeners()) {
                if (l.redirectHttp().isPresent()) {
                    BoundRedirect r = bindRedirect(l);
                    redirects.put(l.name(), r);
                    log.info("listener {}: redirect-http on {} to https port {}", l.name(),
                            r.channel().localAddress(), l.bind().port());
                }
            }
            if (AnnounceMember.announces(config)) {
                announce = new AnnounceMember(config.failover().get(), config.announce().orElseThrow(), metrics,
                        workerThreads, () -> config, () -> pools, this::bindOn,
                        name -> listeners.containsKey(name) ? listeners.get(name).runtime().tls() : null,
                        () -> cannotServe(new FailoverConfig.TrackConfig(false, true)), this::drainClients);
                announce.start();
                failoverStatus(announce::failoverStatus);
            } else if (config.failover().isPresent()) {
                // Tracking reads the config in force, so a reload's new `track` applies at once.
                pair = new PairMember(config.failover().get(), metrics, workerThreads, () -> config, () -> pools,
                        () -> cannotServe(config.failover().get().track()), this::bindOn,
                        name -> listeners.containsKey(name) ? listeners.get(name).runtime().tls() : null);
                pair.start();
                failoverStatus(pair::status);
                startStateSync(config.failover().get());
            }
            // The admin port opens last: once /healthz answers, every listener is bound.
            admin = new AdminServer(this, AdminToken.load(config.admin().tokenFile()));
            admin.bind(acceptGroup, config.admin().bind());
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

    /** With {@code failover.state-sync}: this node's runtime changes go to the peer and the peer's apply here. */
    private void startStateSync(FailoverConfig f) throws java.io.IOException {
        if (!f.stateSync()) {
            return;
        }
        PeerChanges peer = new PeerChanges(() -> pools, runtime, control, this::isMaster);
        StateSync s = new StateSync(f.node(), io.tandem.core.failover.HeartbeatCodec.parseKey(
                java.nio.file.Files.readString(Path.of(f.authKeyFile()))), f.bind().resolve(), f.peer().resolve(),
                peer::apply, peer::transientChanges);
        runtime.onChange(s::local);
        s.start();
        sync = s;
    }

    /** Whether this node is the master of its pair now. */
    private boolean isMaster() {
        return "master".equals(failover.get().role());
    }

    @Override
    public void changedHere(SharedChange change) {
        StateSync s = sync;
        if (s != null) {
            s.local(change);
        }
    }

    @Override
    public Map<String, Object> stateSync() {
        StateSync s = sync;
        return s == null ? null : s.status();
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
            nextPools = buildPools(next, pools);
        } catch (IllegalStateException e) {
            return ReloadResult.refused(List.of(e.getMessage()));
        }
        for (PoolRuntime p : nextPools.values()) {
            PoolRuntime before = pools.get(p.name());
            p.health().activate(before == null ? null : before.health());
        }
        HealthChecks previousChecks = healthChecks;
        healthChecks = new HealthChecks(nextPools.values(), workerGroup, transport, previousChecks);
        previousChecks.close();
        healthChecks.start();
        for (BoundListener l : listeners.values()) {
            l.runtime().routing(l.runtime().routing().withPools(nextPools));
        }
        if (pair != null) {
            pair.reload(config, next, nextPools);
        }
        List<String> changes = new ArrayList<>();
        retireRemovedBackends(pools, nextPools, changes);
        nextPools.values().forEach(p -> PoolMeters.ensureGauges(metrics, p.pool()));
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
        String failoverProblem = AnnounceMember.announces(config) || AnnounceMember.announces(next)
                ? AnnounceMember.changeNeedingRestart(config, next) : PairMember.changeNeedingRestart(config, next);
        if (failoverProblem != null) {
            return refuse(List.of(failoverProblem));
        }
        Map<String, ListenerTls> nextTls;
        Map<String, PoolRuntime> nextPools;
        try {
            nextTls = TlsContexts.listeners(next, metrics);
            nextPools = buildPools(next, pools);
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
                nextAdmin.bind(acceptGroup, next.admin().bind());
            } catch (Exception e) {
                return refuse(List.of("admin: cannot bind " + next.admin().bind() + ": " + describe(e)));
            }
        }
        // Bind what is new first: if anything cannot bind, nothing has changed yet.
        Map<String, BoundListener> opened = new LinkedHashMap<>();
        Map<String, Routing> routings = new LinkedHashMap<>();
        Map<String, HttpCache> nextCaches = caches.prepare(next.caches());
        for (int i = 0; i < next.listeners().size(); i++) {
            ListenerConfig l = next.listeners().get(i);
            Routing routing = new Routing(l, i, nextPools, accessLogs, nextCaches);
            routings.put(l.name(), routing);
            BoundListener current = listeners.get(l.name());
            if (current != null && current.bind().equals(l.bind())) {
                continue;
            }
            try {
                opened.put(l.name(), bindOn(l, routing, clients, nextTls.get(l.name())));
            } catch (Exception e) {
                opened.values().forEach(b -> b.channel().close().awaitUninterruptibly());
                if (nextAdmin != null) {
                    nextAdmin.close();
                }
                return refuse(List.of("listeners." + l.name() + ": cannot bind " + l.bind() + ": " + describe(e)));
            }
        }
        Map<String, BoundRedirect> openedRedirects = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            HostPort from = l.redirectHttp().orElse(null);
            BoundRedirect current = redirects.get(l.name());
            if (from == null || (current != null && current.from().equals(from))) {
                continue;
            }
            try {
                openedRedirects.put(l.name(), bindRedirect(l));
            } catch (Exception e) {
                openedRedirects.values().forEach(r -> r.channel().close().awaitUninterruptibly());
                opened.values().forEach(b -> b.channel().close().awaitUninterruptibly());
                if (nextAdmin != null) {
                    nextAdmin.close();
                }
                return refuse(List.of("listeners." + l.name() + ".redirect-http: cannot bind " + from + ": "
                        + describe(e)));
            }
        }
        // Commit: every step below is a swap or a close, none can fail.
        caches.commit(next.caches(), nextCaches, nextToken.check());
        // Health first: backends new to a pool are out of rotation until checked before any routing sees them.
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
        List<String> changes = new ArrayList<>();
        Map<String, BoundListener> nextListeners = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            BoundListener current = listeners.get(l.name());
            BoundListener fresh = opened.get(l.name());
            if (fresh != null) {
                nextListeners.put(l.name(), fresh);
                changes.add(current == null ? "+listener " + l.name() : "~listener " + l.name() + " now on " + l.bind());
            } else {
                if (!Objects.equals(current.runtime().routing().listener().tls(), l.tls())) {
                    changes.add("~tls " + l.name());
                }
                current.runtime().tls(nextTls.get(l.name()));
                current.runtime().routing(routings.get(l.name()));
                nextListeners.put(l.name(), current);
            }
        }
        for (Map.Entry<String, BoundListener> e : listeners.entrySet()) {
            BoundListener replacedBy = nextListeners.get(e.getKey());
            if (replacedBy != e.getValue()) {
                // Stop accepting; its open connections finish on the routing they have.
                e.getValue().channel().close();
                if (replacedBy == null) {
                    changes.add("-listener " + e.getKey());
                }
            }
        }
        for (ListenerConfig l : config.listeners()) {
            if (l.tls().isPresent() && !nextTls.containsKey(l.name())) {
                metrics.tls(l.name()).certificates(Map.of()); // no longer TLS: no expiry to watch
            }
        }
        nextTls.values().forEach(ListenerTls::publishExpiry);
        listeners.clear();
        listeners.putAll(nextListeners);
        swapRedirects(next, openedRedirects, changes);
        ticketKeys.watch(next);
        trackedListeners = List.copyOf(listeners.values());
        if (pair != null && pair.reload(config, next, nextPools)) {
            changes.add("~failover settings");
        }
        if (announce != null) {
            announce.reload(next, nextPools);
        }
        if (nextAdmin != null) {
            admin.close();
            admin = nextAdmin;
            adminBind = next.admin().bind();
        } else {
            admin.useToken(nextToken);
        }
        retireRemovedBackends(pools, nextPools, changes);
        nextPools.values().forEach(p -> PoolMeters.ensureGauges(metrics, p.pool()));
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
     * Builds the pools of {@code next}. A backend with the same address and
     * backup flag in a pool of the same name and {@code tls} settings is the
     * same {@link Backend} object, so its state, counters and pooled
     * connections carry over. Throws {@link IllegalStateException} when a
     * pool's TLS context cannot be built.
     */
    private Map<String, PoolRuntime> buildPools(TandemConfig next, Map<String, PoolRuntime> previous) {
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
            events.onEjected((b, d) -> changedHere(new SharedChange(SharedChange.EJECT, p.name(), b.id(),
                    Long.toString(d.toMillis()))));
            // The backup learns the master's check verdicts (not the other way round: where the two nodes'
            // checks disagree, the node that carries the traffic speaks for the pair).
            events.onChecked((b, up) -> {
                if (isMaster()) {
                    changedHere(new SharedChange(SharedChange.CHECK, p.name(), b.id(), up ? "up" : "down"));
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
     * Backends of the old pools that the new ones do not carry: no new
     * requests reach them (they are in no routing), in-flight ones finish,
     * their idle connections close now and busy ones after their response.
     */
    private void retireRemovedBackends(Map<String, PoolRuntime> old, Map<String, PoolRuntime> next,
                                       List<String> changes) {
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
    }

    /**
     * Advances the slow-start ramps of the current pools (a reload swaps them)
     * every tenth of the shortest slow-start period, and looks again every
     * second when no pool has one. Runs on the accept loop, not an I/O loop:
     * a rebuild (a Maglev table takes ~1 ms) must not delay requests. Ramps
     * start in BackendPool.setState, whoever marks a backend UP.
     */
    private void advanceSlowStart() {
        long next = TimeUnit.SECONDS.toNanos(1);
        for (PoolRuntime p : pools.values()) {
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
        if (!acceptGroup.isShuttingDown()) {
            acceptGroup.next().schedule(this::advanceSlowStart, next, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public WarmStandby.Snapshot warmStandby() {
        PairMember p = pair;
        AnnounceMember a = announce;
        return p != null ? p.warmUp() : a != null ? a.warmUp() : null;
    }

    @Override
    public Announcer.Status announceStatus() {
        AnnounceMember a = announce;
        return a == null ? null : a.status();
    }

    @Override
    public java.util.concurrent.CompletableFuture<Announcer.Change> announceNode(boolean drain) {
        AnnounceMember a = announce;
        return a != null ? a.drainOrEnable(drain) : AdminNode.super.announceNode(drain);
    }

    /**
     * Drains the client connections without closing the listeners (an announcing node after its withdraw
     * wait): idle ones close, busy ones after their current response. Flows the router still sends get served.
     */
    private void drainClients() {
        log.info("draining {} client connection(s); listeners stay open", clients.size());
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(ShutdownEvent.INSTANCE));
        }
    }

    @Override
    public java.util.concurrent.CompletableFuture<FailoverNode.Handover> handover() {
        PairMember p = pair;
        return p != null ? p.handover() : java.util.concurrent.CompletableFuture.completedFuture(
                new FailoverNode.Handover(false, "this node has no failover section", 0));
    }

    /**
     * Why this node cannot serve now (failover then goes FAULT), or null: per {@code failover.track}, a
     * listener that is no longer bound, or no backend up in any pool. Runs on the heartbeat thread and
     * reads only volatile snapshots.
     */
    private String cannotServe(FailoverConfig.TrackConfig track) {
        if (closing) {
            return null;
        }
        if (track.listenerFailed()) {
            for (BoundListener l : trackedListeners) {
                if (!l.channel().isActive()) {
                    return "listener " + l.runtime().name() + " is not bound";
                }
            }
        }
        Map<String, PoolRuntime> current = pools;
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

    /**
     * Puts the redirects of {@code next} in force: new ones (already bound) replace or join the running
     * ones, kept ones redirect to their listener as {@code next} configures it, dropped ones close.
     */
    private void swapRedirects(TandemConfig next, Map<String, BoundRedirect> opened, List<String> changes) {
        Map<String, BoundRedirect> kept = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            BoundRedirect fresh = opened.get(l.name());
            BoundRedirect current = redirects.get(l.name());
            if (fresh != null) {
                kept.put(l.name(), fresh);
                changes.add("+redirect-http " + l.name() + " on " + fresh.from());
            } else if (l.redirectHttp().isPresent()) {
                current.listener().update(l);
                kept.put(l.name(), current);
            }
        }
        for (Map.Entry<String, BoundRedirect> e : redirects.entrySet()) {
            if (kept.get(e.getKey()) != e.getValue()) {
                e.getValue().channel().close();
                changes.add("-redirect-http " + e.getKey() + " on " + e.getValue().from());
            }
        }
        redirects.clear();
        redirects.putAll(kept);
    }

    /** Binds the plain listener of {@code l}'s {@code redirect-http}. */
    private BoundRedirect bindRedirect(ListenerConfig l) throws InterruptedException {
        RedirectListener redirect = new RedirectListener(l);
        HostPort from = l.redirectHttp().orElseThrow();
        Channel ch = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .childHandler(redirect)
                .bind(from.resolve()).sync().channel();
        return new BoundRedirect(redirect, ch, from);
    }

    /** Binds a plain listener with this server's transport and pipeline; its connections join {@code group}. */
    private BoundListener bindOn(ListenerConfig l, Routing routing, ChannelGroup group) throws InterruptedException {
        return bindOn(l, routing, group, null);
    }

    /** Binds {@code l}, with {@code tls} unless it is null; its connections join {@code group}. */
    private BoundListener bindOn(ListenerConfig l, Routing routing, ChannelGroup group, ListenerTls tls)
            throws InterruptedException {
        ListenerRuntime runtime = new ListenerRuntime(l.name(), routing, metrics, transport, group);
        runtime.tls(tls);
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ProxyInitializer(runtime));
        if (transport.freebind() != null) {
            // A listener may bind a VIP this node does not hold yet: no rebind when it takes the VIP over.
            b.option(transport.freebind(), true);
        }
        Channel ch = b.bind(l.bind().resolve()).sync().channel();
        runtime.acceptor(ch);
        return new BoundListener(runtime, ch, l.bind());
    }

    @Override
    public synchronized InetSocketAddress listenerAddress(String name) {
        BoundListener l = listeners.get(name);
        return l == null ? null : (InetSocketAddress) l.channel().localAddress();
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
        if (pair != null) {
            pair.stop();
        }
        if (announce != null) {
            // Withdrawn first; the listeners serve for the withdraw wait while the router moves new flows.
            announce.stop();
        }
        synchronized (this) {
            for (BoundListener l : listeners.values()) {
                l.channel().close().awaitUninterruptibly();
            }
            for (BoundRedirect r : redirects.values()) {
                r.channel().close().awaitUninterruptibly();
            }
            log.info("stopped accepting; {} client connection(s) finishing (at most {})", clients.size(),
                    io.tandem.config.Units.format(timeout));
        }
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(ShutdownEvent.INSTANCE));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = clients.size();
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
        for (BoundListener l : listeners.values()) {
            l.channel().close().awaitUninterruptibly();
        }
        for (BoundRedirect r : redirects.values()) {
            r.channel().close().awaitUninterruptibly();
        }
        clients.close().awaitUninterruptibly();
        accessLogs.close();
        caches.close();
        if (admin != null) {
            admin.close();
        }
        control.shutdownNow();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private void stopFailover() {
        closing = true;
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

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
