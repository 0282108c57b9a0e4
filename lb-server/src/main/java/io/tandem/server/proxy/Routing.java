package io.tandem.server.proxy;

import io.netty.util.AsciiString;
import io.tandem.config.ListenerConfig;
import io.tandem.config.RouteConfig;
import java.util.List;
import java.util.Map;

/**
 * A listener's routes, resolved to pools, and the settings its connections
 * read, resolved once: immutable, swapped whole on reload. First match wins;
 * no match goes to the listener's default pool.
 */
public final class Routing {

    private final ListenerConfig listener;
    private final int listenerIndex;
    private final AccessLog accessLog;
    private final Route[] routes;
    private final PoolRuntime defaultPool;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final String hsts;
    private final AsciiString clientCertHeader;

    private record Route(String host, String pathPrefix, PoolRuntime pool) {}

    /**
     * A routing whose access log goes to the {@code tandem.access} logger only:
     * a syslog target needs the node's {@link AccessLogs} (the warm standby's
     * listeners log nothing).
     *
     * @param listenerIndex the listener's position in the config these pools were
     *                      built with; indexes the pools' per-listener meters
     */
    public Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools) {
        this(listener, listenerIndex, pools, AccessLog.of(listener.name(), listener.accessLog()));
    }

    /** With the node's access logs, which own the syslog senders a listener's {@code access-log} may name. */
    public Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools, AccessLogs accessLogs) {
        this(listener, listenerIndex, pools, accessLogs.of(listener));
    }

    private Routing(ListenerConfig listener, int listenerIndex, Map<String, PoolRuntime> pools, AccessLog accessLog) {
        this.listener = listener;
        this.listenerIndex = listenerIndex;
        this.accessLog = accessLog;
        List<RouteConfig> configured = listener.routes();
        this.routes = new Route[configured.size()];
        for (int i = 0; i < routes.length; i++) {
            RouteConfig r = configured.get(i);
            routes[i] = new Route(r.host(), r.pathPrefix(), pools.get(r.pool()));
        }
        this.defaultPool = pools.get(listener.pool());
        this.headerTimeoutNanos = listener.headerTimeout().toNanos();
        this.idleTimeoutNanos = listener.idleTimeout().toNanos();
        this.hsts = listener.hsts().map(d -> "max-age=" + d.toSeconds()).orElse(null);
        this.clientCertHeader = listener.tls().flatMap(t -> t.clients()).map(c -> AsciiString.cached(c.header()))
                .orElse(null);
    }

    public ListenerConfig listener() {
        return listener;
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

    /**
     * Returns the pool for a request.
     *
     * @param host the Host header, possibly with a port, or null
     * @param uri  the request-target (origin or absolute form)
     */
    public PoolRuntime route(String host, String uri) {
        if (routes.length == 0) {
            return defaultPool;
        }
        String path = path(uri);
        String hostname = hostname(host);
        for (Route r : routes) {
            if (r.host != null && !r.host.equals(hostname)) {
                continue;
            }
            if (r.pathPrefix != null && !path.startsWith(r.pathPrefix)) {
                continue;
            }
            return r.pool;
        }
        return defaultPool;
    }

    static String hostname(String host) {
        if (host == null) {
            return null;
        }
        int end = host.length();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = host.indexOf(':');
            end = colon < 0 ? end : colon;
        }
        return host.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    }

    static String path(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme >= 0) {
                int slash = uri.indexOf('/', scheme + 3);
                if (slash < 0) {
                    return "/";
                }
                start = slash;
            }
        }
        int end = uri.length();
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return uri.substring(start, end);
    }
}
