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
        int trackedClients) {

    public ListenerConfig {
        routes = List.copyOf(routes);
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
