package io.tandem.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A client-facing listener.
 *
 * @param name          unique among listeners; {@code listener-INDEX} when not set
 * @param pool          the default pool, used when no route matches
 * @param headerTimeout time a client has to send a whole request head (408 beyond)
 * @param idleTimeout   keep-alive idle time of a client connection
 * @param maxHeaderSize request head size limit (431 beyond)
 * @param maxUriLength  request-target length limit (414 beyond)
 * @param routes        first match wins
 * @param accessLog     whether and how requests are logged to {@code tandem.access}
 * @param proxyProtocol whether connections start with a PROXY protocol header, and from where
 * @param tls           TLS termination; empty for a plain HTTP listener
 * @param redirectHttp  where a plain HTTP listener answers every request with a redirect to this
 *                      (TLS) listener; empty for none
 * @param hsts          the max-age of the {@code Strict-Transport-Security} header added to this (TLS)
 *                      listener's responses; empty for none
 * @param access        which client addresses may use the listener (403 for the others)
 * @param maxConnections open client connections at most; 0 for no cap
 * @param trackedClients client addresses the per-client limits of each route remember
 * @param mode          HTTP requests, or TCP connections forwarded as bytes (then only {@code name},
 *                      {@code bind}, {@code pool}, {@code timeouts.idle}, {@code access-log} in text or
 *                      json, {@code proxy-protocol} and {@code sni-routes} apply)
 * @param sniRoutes     ({@code mode: tcp}) routes by the SNI name of a TLS ClientHello, passed through;
 *                      first exact name, then wildcard; no match (or no TLS, or no SNI) goes to {@code pool}
 * @param cache         the name of the {@code caches} entry every route of this listener uses unless the
 *                      route says otherwise; null for none
 * @param http2         the protocols the listener speaks (h2 by ALPN, h2c on a plain listener, HTTP/1.1) and the
 *                      limits of its HTTP/2 connections
 */
public record ListenerConfig(
        String name,
        HostPort bind,
        String pool,
        Duration headerTimeout,
        Duration idleTimeout,
        int maxHeaderSize,
        int maxUriLength,
        List<RouteConfig> routes,
        AccessLogConfig accessLog,
        ProxyProtocolConfig proxyProtocol,
        Optional<ListenerTlsConfig> tls,
        Optional<HostPort> redirectHttp,
        Optional<Duration> hsts,
        AccessConfig access,
        int maxConnections,
        int trackedClients,
        ListenerMode mode,
        List<SniRouteConfig> sniRoutes,
        String cache,
        Http2Config http2) {

    public ListenerConfig {
        routes = List.copyOf(routes);
        sniRoutes = List.copyOf(sniRoutes);
    }

    /** A listener without a cache and with the default protocols (h2 and HTTP/1.1 over TLS, HTTP/1.1 on plain). */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, AccessConfig access,
                          int maxConnections, int trackedClients, ListenerMode mode, List<SniRouteConfig> sniRoutes) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, access, maxConnections, trackedClients, mode, sniRoutes, null,
                Http2Config.defaults(tls.isPresent()));
    }

    /** A listener with the default protocols, as before they were set. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, AccessConfig access,
                          int maxConnections, int trackedClients, ListenerMode mode, List<SniRouteConfig> sniRoutes,
                          String cache) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, access, maxConnections, trackedClients, mode, sniRoutes, cache,
                Http2Config.defaults(tls.isPresent()));
    }

    /** A listener without a cache, as before caches existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, AccessConfig access,
                          int maxConnections, int trackedClients, ListenerMode mode, List<SniRouteConfig> sniRoutes,
                          Http2Config http2) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, access, maxConnections, trackedClients, mode, sniRoutes, null,
                http2);
    }

    /** An HTTP listener, as before {@code mode} existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, AccessConfig access,
                          int maxConnections, int trackedClients) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, access, maxConnections, trackedClients, ListenerMode.HTTP,
                List.of());
    }

    /** A listener open to every client and without connection cap, as before access control and limits. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, ListenerMode mode,
                          List<SniRouteConfig> sniRoutes) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, AccessConfig.OPEN, 0, Defaults.TRACKED_CLIENTS, mode,
                sniRoutes);
    }

    /** A listener without SNI routes, as before they existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, ListenerMode mode) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, mode, List.of());
    }

    /** Whether connections are forwarded as bytes ({@code mode: tcp}). */
    public boolean tcp() {
        return mode == ListenerMode.TCP;
    }

    /** A listener without connection cap, as before limits existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts, AccessConfig access) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, access, 0, Defaults.TRACKED_CLIENTS);
    }

    /** A listener open to every client, as before access control existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog,
                          ProxyProtocolConfig proxyProtocol, Optional<ListenerTlsConfig> tls,
                          Optional<HostPort> redirectHttp, Optional<Duration> hsts) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                proxyProtocol, tls, redirectHttp, hsts, AccessConfig.OPEN);
    }

    /** A listener without an access log, as before the access log existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, AccessLogConfig.OFF);
    }

    /** A plain HTTP listener without the PROXY protocol, as before either existed. */
    public ListenerConfig(String name, HostPort bind, String pool, Duration headerTimeout, Duration idleTimeout,
                          int maxHeaderSize, int maxUriLength, List<RouteConfig> routes, AccessLogConfig accessLog) {
        this(name, bind, pool, headerTimeout, idleTimeout, maxHeaderSize, maxUriLength, routes, accessLog,
                ProxyProtocolConfig.OFF, Optional.empty(), Optional.empty(), Optional.empty());
    }
}
