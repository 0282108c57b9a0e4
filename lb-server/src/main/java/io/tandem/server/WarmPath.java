package io.tandem.server;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tandem.config.ClientCertificateConfig;
import io.tandem.config.FailoverConfig;
import io.tandem.config.HealthConfig;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.ListenerTlsConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.Routing;
import io.tandem.server.tls.ListenerTls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm standby ({@link WarmStandby}) with its private per-pool listeners, and the readiness it gives a
 * node that shares VIPs with others: a pair member before it takes them over, an announcing node before it
 * announces them. Owns the private listeners; the warm-up thread reads them.
 */
final class WarmPath implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WarmPath.class);
    /** The listener name of the warm standby's requests in metrics. */
    static final String WARM_UP = "warm-up";

    /** Binds a listener of the server's kind (transport, options, pipeline) whose connections join {@code group}. */
    interface Binder {
        /** @param tls the listener's TLS, or null for plain HTTP */
        BoundListener bind(ListenerConfig listener, Routing routing, ChannelGroup group, ListenerTls tls)
                throws InterruptedException;
    }

    /**
     * A private listener of the warm standby: plain HTTP to {@code pool}, or, for a listener that
     * terminates TLS ({@code tlsOf} not null), that listener's TLS in front of its default pool.
     */
    private record WarmListener(String pool, String tlsOf, BoundListener bound) {}

    private final Supplier<TandemConfig> config;
    private final Supplier<Map<String, PoolRuntime>> pools;
    private final Binder binder;
    private final Function<String, ListenerTls> listenerTls;
    private final ProxyMetrics metrics;
    private final WarmStandby standby;
    private final ChannelGroup warmClients = new DefaultChannelGroup("warm-up", GlobalEventExecutor.INSTANCE);
    /** By pool name for the plain ones, by {@code tls:} and the listener's name for the TLS ones. */
    private volatile Map<String, WarmListener> warmListeners = Map.of();

    /**
     * @param config the config in force (a reload replaces it)
     * @param pools the pools in force
     * @param listenerTls the TLS in force on a configured listener, by name (null for a plain one)
     * @param onReady called when the start's warm-up is done
     * @param serving whether the node serves the VIPs now (the start's warm-up then slows down)
     */
    WarmPath(FailoverConfig.WarmUpConfig warmUp, ProxyMetrics metrics, int ioThreads, Supplier<TandemConfig> config,
             Supplier<Map<String, PoolRuntime>> pools, Binder binder, Function<String, ListenerTls> listenerTls,
             Runnable onReady, BooleanSupplier serving) {
        this.config = config;
        this.pools = pools;
        this.binder = binder;
        this.listenerTls = listenerTls;
        this.metrics = metrics;
        this.standby = new WarmStandby(warmUp, this::warmTargets, ioThreads, metrics.registry(), onReady, serving,
                this::backendResponses);
    }

    /** Binds the private listeners; {@link #startWarmUp()} then starts sending. */
    void bind() throws InterruptedException {
        warmListeners = bindWarmListeners(config.get(), pools.get(), Map.of());
    }

    void startWarmUp() {
        standby.start();
    }

    /** A reload committed {@code next} with {@code nextPools}: the private listeners follow the pools. */
    void reload(TandemConfig next, Map<String, PoolRuntime> nextPools) {
        try {
            warmListeners = bindWarmListeners(next, nextPools, warmListeners);
        } catch (InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // An ephemeral loopback port; only the warm-up of a new pool is missing, never the service.
            log.warn("warm standby: cannot bind a private listener for a new pool or TLS listener: {}",
                    e.toString());
        }
    }

    void reconfigure(FailoverConfig.WarmUpConfig next) {
        standby.reconfigure(next);
    }

    WarmStandby.Snapshot snapshot() {
        return standby.snapshot();
    }

    @Override
    public void close() {
        standby.close();
        warmListeners.values().forEach(l -> l.bound().channel().close().awaitUninterruptibly());
        warmClients.close().awaitUninterruptibly();
    }

    /**
     * The warm standby's private listeners, on ephemeral loopback ports, writing no access log: one per pool
     * of {@code next}, with the routing of a listener whose default pool is that pool; and one per listener
     * that terminates TLS, with that listener's TLS in force and its default pool, so that the handshake
     * path is warm too (a backup taking over a TLS site would otherwise run its first handshakes in
     * unprepared code). A listener that requires client certificates gets none: the warm-up has no
     * certificate to show. Listeners that stay are kept (their routing and TLS swapped), the others closed.
     */
    private Map<String, WarmListener> bindWarmListeners(TandemConfig next, Map<String, PoolRuntime> nextPools,
            Map<String, WarmListener> current) throws InterruptedException {
        Map<String, WarmListener> bound = new LinkedHashMap<>();
        Set<String> tcpPools = new HashSet<>();
        next.listeners().stream().filter(ListenerConfig::tcp).forEach(l -> {
            tcpPools.add(l.pool());
            l.sniRoutes().forEach(r -> tcpPools.add(r.pool()));
        });
        for (String pool : nextPools.keySet()) {
            // HTTP warm-up requests mean nothing to the backends of a mode: tcp listener's pool.
            if (!tcpPools.contains(pool)) {
                bound.put(pool, bindWarm(next, nextPools, pool, null, current.get(pool)));
            }
        }
        for (ListenerConfig l : next.listeners()) {
            boolean required = l.tls().flatMap(ListenerTlsConfig::clients).map(ClientCertificateConfig::required)
                    .orElse(false);
            // A mode: tcp listener never has tls (its TLS goes through to the backends as it is).
            if (!l.tcp() && l.tls().isPresent() && !required && listenerTls.apply(l.name()) != null) {
                String key = "tls:" + l.name();
                bound.put(key, bindWarm(next, nextPools, l.pool(), l.name(), current.get(key)));
            }
        }
        current.forEach((key, l) -> {
            if (!bound.containsKey(key)) {
                l.bound().channel().close();
            }
        });
        return Collections.unmodifiableMap(bound);
    }

    private WarmListener bindWarm(TandemConfig next, Map<String, PoolRuntime> nextPools, String pool, String tlsOf,
                                  WarmListener kept) throws InterruptedException {
        ListenerConfig first = next.listeners().get(0);
        ListenerConfig l = new ListenerConfig(WARM_UP, new HostPort("127.0.0.1", 0), pool,
                first.headerTimeout(), first.idleTimeout(), first.maxHeaderSize(), first.maxUriLength(), List.of());
        // The pools' meters count this listener after the configured ones (see PoolBuilder.build).
        Routing routing = Routing.warmUp(l, next.listeners().size(), nextPools);
        ListenerTls tls = tlsOf == null ? null : listenerTls.apply(tlsOf).countedIn(metrics.tls(WARM_UP));
        if (kept != null && kept.pool().equals(pool)) {
            kept.bound().runtime().routing(routing);
            kept.bound().runtime().tls(tls);
            return kept;
        }
        if (kept != null) {
            kept.bound().channel().close();
        }
        return new WarmListener(pool, tlsOf, binder.bind(l, routing, warmClients, tls));
    }

    /**
     * Where the warm standby sends its requests now: each private listener, with its pool's health-check
     * path and host; over TLS with the name of the listener's first certificate as SNI.
     */
    private List<WarmStandby.Target> warmTargets() {
        List<WarmStandby.Target> targets = new ArrayList<>();
        Map<String, PoolRuntime> current = pools.get();
        warmListeners.forEach((key, l) -> {
            PoolRuntime p = current.get(l.pool());
            if (p == null) {
                return;
            }
            HealthConfig health = p.config().health().orElse(null);
            String path = health != null && health.type() == HealthConfig.Type.HTTP && health.path() != null
                    ? health.path() : "/";
            String host = health != null && health.host() != null ? health.host() : "localhost";
            String sni = null;
            if (l.tlsOf() != null) {
                ListenerTls tls = l.bound().runtime().tls();
                List<String> names = tls == null ? List.of() : tls.config().certificates().get(0).names();
                // A wildcard name stands for any one label: the warm-up picks one.
                sni = names.isEmpty() ? "" : names.get(0).replace("*", "warm-up");
            }
            targets.add(new WarmStandby.Target(l.pool(), (InetSocketAddress) l.bound().channel().localAddress(),
                    host, path, !p.pool().live().isEmpty(), sni));
        });
        return targets;
    }

    /**
     * Why this node could not serve the VIPs well now, or null: a pool that a listener sends requests
     * to has no live backend, or its latest warm-up request failed, or the start's warm-up is not done.
     * Read by the heartbeat or the announce thread.
     */
    String notReady() {
        Map<String, PoolRuntime> current = pools.get();
        for (ListenerConfig l : config.get().listeners()) {
            List<String> used = new ArrayList<>();
            used.add(l.pool());
            // A route that redirects or responds itself has no pool.
            l.routes().stream().filter(r -> r.pool() != null).forEach(r -> used.add(r.pool()));
            l.sniRoutes().forEach(r -> used.add(r.pool()));
            for (String name : used) {
                PoolRuntime p = current.get(name);
                if (p != null && p.pool().live().isEmpty()) {
                    return "pool " + name + " (listener " + l.name() + ") has no backend up";
                }
                String failing = standby.failing(name);
                if (failing != null) {
                    return failing;
                }
            }
        }
        return standby.notReady();
    }

    /** Responses the backends of the current pools gave through this node (any listener). */
    private long backendResponses() {
        long n = 0;
        for (PoolRuntime p : pools.get().values()) {
            for (Backend b : p.pool().backends()) {
                n += p.meters().of(b).responses(0);
            }
        }
        return n;
    }

}
