package io.tandem.server.proxy;

import io.netty.util.AsciiString;
import io.tandem.config.ListenerConfig;
import io.tandem.config.RouteConfig;
import io.tandem.config.SniRouteConfig;
import io.tandem.core.cache.RequestRules;
import io.tandem.core.limit.ClientLimiter;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.tls.SniMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A listener's routes, compiled with their conditions and policies (rewrites,
 * answers, access, limits) and resolved to pools, the listener's access, and
 * the settings its connections read, resolved once: immutable, swapped whole
 * on reload, so a request sees one config's policy from start to end. First
 * match wins; no match goes to the listener's default pool.
 */
public final class Routing {

    private final ListenerConfig listener;
    private final int listenerIndex;
    private final AccessLog accessLog;
    private final Route[] routes;
    private final Route fallback;
    private final PoolRuntime defaultPool;
    private final AccessRule access;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final String hsts;
    private final AsciiString clientCertHeader;
    /** The pools of a {@code mode: tcp} listener's {@code sni-routes} by name, or null without any. */
    private final SniMap<PoolRuntime> sniRoutes;
    /** The warm standby's private listener: its requests say nothing about what clients get. */
    private final boolean warmUp;

    /**
     * A routing whose access log goes to the {@code tandem.access} logger only:
     * a syslog target needs the node's {@link AccessLogs} (the warm standby's
     * listeners log nothing).
     *
     * @param listenerIndex the listener's position in the config these pools were
     *                      built with; indexes the pools' per-listener meters
     */
    /** The cache named {@code name} with a route's cookie list, or null for none ({@code off}, unknown). */
    private static RouteCache routeCache(Map<String, HttpCache> caches, String name,
                                         Optional<List<String>> ignoreCookies) {
        HttpCache cache = name == null || RouteConfig.NO_CACHE.equals(name) ? null : caches.get(name);
        return cache == null ? null : new RouteCache(cache, ignoreCookies.map(RequestRules.CookieFilter::new)
                .orElse(null));
    }

    public Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools) {
        this(listener, listenerIndex, pools, AccessLog.of(listener.name(), listener.accessLog()), Map.of(), false,
                null);
    }

    /**
     * The routing of a warm standby's private listener: as a listener's, except that the answers its
     * requests get are not counted by passive health (see {@link #warmUp()}).
     */
    public static Routing warmUp(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools) {
        return new Routing(listener, listenerIndex, pools, AccessLog.of(listener.name(), listener.accessLog()),
                Map.of(), true, null);
    }

    /** With the node's access logs, which own the syslog senders a listener's {@code access-log} may name. */
    public Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools, AccessLogs accessLogs) {
        this(listener, listenerIndex, pools, accessLogs.of(listener), Map.of(), false, null);
    }

    /**
     * With the node's caches, which the listener's and its routes' {@code cache} name. At a reload,
     * {@code before} is the same listener's routing until now (null at start): a route whose {@code match}
     * is unchanged keeps its per-client counters (requests counted in the window, requests in flight) when
     * its window and the listener's {@code tracked-clients} are unchanged too, so a reload neither resets a
     * client's rate nor frees its in-flight slots.
     */
    public Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools, AccessLogs accessLogs,
                   Map<String, HttpCache> caches, Routing before) {
        this(listener, listenerIndex, pools, accessLogs.of(listener), caches, false, before);
    }

    private Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools, AccessLog accessLog,
                    Map<String, HttpCache> caches, boolean warmUp, Routing before) {
        this.listener = listener;
        this.warmUp = warmUp;
        this.listenerIndex = listenerIndex;
        this.accessLog = accessLog;
        List<RouteConfig> configured = listener.routes();
        this.routes = new Route[configured.size()];
        for (int i = 0; i < routes.length; i++) {
            RouteConfig r = configured.get(i);
            routes[i] = Route.of(r, r.pool() == null ? null : pools.get(r.pool()), listener.trackedClients(),
                    routeCache(caches, r.cache() != null ? r.cache() : listener.cache(), r.cacheIgnoreCookies()),
                    before == null ? null : before.limiterOf(r));
        }
        this.defaultPool = pools.get(listener.pool());
        this.fallback = Route.fallback(defaultPool, routeCache(caches, listener.cache(), Optional.empty()));
        this.access = AccessRule.of(listener.access());
        this.headerTimeoutNanos = listener.headerTimeout().toNanos();
        this.idleTimeoutNanos = listener.idleTimeout().toNanos();
        this.hsts = listener.hsts().map(d -> "max-age=" + d.toSeconds()).orElse(null);
        this.clientCertHeader = listener.tls().flatMap(t -> t.clients()).map(c -> AsciiString.cached(c.header()))
                .orElse(null);
        List<SniMap.Entry<PoolRuntime>> sni = new ArrayList<>();
        for (SniRouteConfig r : listener.sniRoutes()) {
            sni.add(new SniMap.Entry<>(List.of(r.sni()), pools.get(r.pool())));
        }
        this.sniRoutes = sni.isEmpty() ? null : new SniMap<>(sni);
    }

    /** This routing with every pool taken from {@code pools} by name: routes, limits and access log stay. */
    private Routing(Routing from, Map<String, PoolRuntime> pools) {
        this.listener = from.listener;
        this.warmUp = from.warmUp;
        this.listenerIndex = from.listenerIndex;
        this.accessLog = from.accessLog;
        this.routes = new Route[from.routes.length];
        for (int i = 0; i < routes.length; i++) {
            routes[i] = from.routes[i].withPools(pools);
        }
        this.defaultPool = from.defaultPool == null ? null : pools.get(from.defaultPool.name());
        this.fallback = from.fallback.withPools(pools);
        this.access = from.access;
        this.headerTimeoutNanos = from.headerTimeoutNanos;
        this.idleTimeoutNanos = from.idleTimeoutNanos;
        this.hsts = from.hsts;
        this.clientCertHeader = from.clientCertHeader;
        if (from.sniRoutes == null) {
            this.sniRoutes = null;
        } else {
            List<SniMap.Entry<PoolRuntime>> sni = new ArrayList<>();
            for (SniRouteConfig r : listener.sniRoutes()) {
                sni.add(new SniMap.Entry<>(List.of(r.sni()), pools.get(r.pool())));
            }
            this.sniRoutes = new SniMap<>(sni);
        }
    }

    /** The per-client counters of the first route here with the same {@code match} as {@code route}, or null. */
    private ClientLimiter limiterOf(RouteConfig route) {
        List<RouteConfig> configured = listener.routes();
        for (int i = 0; i < configured.size(); i++) {
            if (configured.get(i).match().equals(route.match())) {
                return routes[i].limiter();
            }
        }
        return null;
    }

    /**
     * The same routing sending to {@code pools} (the same pool names, new backends): what a runtime change
     * of backends (admin API, DNS) swaps in. Unlike a reload it keeps the routes' per-client limit counters.
     */
    public Routing withPools(Map<String, PoolRuntime> pools) {
        return new Routing(this, pools);
    }

    /** Whether connections are routed by the SNI name of their ClientHello (read before a backend is chosen). */
    boolean routesBySni() {
        return sniRoutes != null;
    }

    /** The pool for a TLS connection with SNI name {@code sni} (null: none, or not TLS): a route's, else the default. */
    PoolRuntime sniRoute(String sni) {
        SniMap.Match<PoolRuntime> m = sniRoutes == null ? null : sniRoutes.find(sni);
        return m == null ? defaultPool : m.value();
    }

    public ListenerConfig listener() {
        return listener;
    }

    /**
     * Whether this is the warm standby's private listener. Its requests ask the pool's health-check path, so
     * their answers are not counted by passive health: a 200 there would reset a backend's run of 5xx that
     * clients get on their paths. Failures to connect still count; they are about the backend, not the path.
     */
    public boolean warmUp() {
        return warmUp;
    }

    public int listenerIndex() {
        return listenerIndex;
    }

    /** The listener's {@code timeouts.header}, resolved once per config. */
    long headerTimeoutNanos() {
        return headerTimeoutNanos;
    }

    /** The listener's {@code timeouts.idle}: a kept-alive client connection between requests. */
    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** The header that carries the client certificate's subject ({@code tls.client-ca}), or null. */
    AsciiString clientCertHeader() {
        return clientCertHeader;
    }

    /** The Strict-Transport-Security value of the listener's {@code hsts}, or null. */
    String hsts() {
        return hsts;
    }

    /** The listener's access log as this config sets it (a reload may turn it on or off). */
    AccessLog accessLog() {
        return accessLog;
    }

    /** The listener's {@code pool}: where every connection of a {@code mode: tcp} listener goes. */
    public PoolRuntime defaultPool() {
        return defaultPool;
    }

    /** The listener's cap on open client connections; 0 for none. */
    int maxConnections() {
        return listener.maxConnections();
    }

    /** Client addresses the limit tables of these routes remember now. */
    double limitClients() {
        double n = 0;
        for (Route r : routes) {
            n += r.limiter() == null ? 0 : r.limiter().size();
        }
        return n;
    }

    /** Client addresses the limit tables of these routes forgot because full. */
    double limitEvictions() {
        double n = 0;
        for (Route r : routes) {
            n += r.limiter() == null ? 0 : r.limiter().evictions();
        }
        return n;
    }

    /** Who may use the listener at all. */
    AccessRule access() {
        return access;
    }

    /** The first route whose conditions hold for {@code request}, else the listener's default route. */
    Route route(RequestFacts request) {
        for (Route r : routes) {
            if (r.matches(request)) {
                return r;
            }
        }
        return fallback;
    }
}
