package io.tandem.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mode: tcp} means for the rest of a config: the HTTP-only keys a
 * TCP listener and its pools may not have, and pools that serve one kind of
 * listener only. Each refusal is a problem at the key's position.
 */
final class TcpSections {

    private TcpSections() {}

    /**
     * A {@code mode: tcp} listener forwards bytes it never parses: keys that act on HTTP requests or
     * terminate TLS would be silently ignored, so they are errors.
     */
    static void refuseHttpKeys(Section s) {
        for (String key : List.of("routes", "tls", "redirect-http", "hsts", "limits", "cache", "protocols", "http2")) {
            if (s.has(key)) {
                s.problem(key, "does not apply to a mode: tcp listener (it forwards bytes without reading "
                        + "HTTP" + (key.equals("tls") ? "; TLS goes through to the backends as it is" : "")
                        + ")");
            }
        }
        if (s.has("access-log")) {
            Section log = s.section("access-log");
            AccessLogConfig.Format format = log.has("format")
                    ? AccessLogConfig.Format.fromConfig(log.choice("format"))
                    : log.has("template") ? AccessLogConfig.Format.TEMPLATE : null;
            if (format != null && format != AccessLogConfig.Format.TEXT && format != AccessLogConfig.Format.JSON) {
                log.problem(log.has("format") ? "format" : "template", "format: " + format.configName()
                        + " describes HTTP requests; a mode: tcp listener logs one line per connection in "
                        + "format: text or json");
            }
        }
        if (s.has("access")) {
            s.problem("access", "is not supported on a mode: tcp listener yet (it answers refused clients "
                    + "with an HTTP 403); filter client addresses in front of Tandem, e.g. with a firewall");
        }
        if (s.has("timeouts") && s.section("timeouts").has("header")) {
            s.section("timeouts").problem("header", "does not apply to a mode: tcp listener (there is no "
                    + "request head); timeouts.idle bounds a connection without traffic");
        }
    }

    /**
     * What a pool used by a {@code mode: tcp} listener cannot have: it may not also serve HTTP
     * listeners (the settings of one kind mean nothing to the other), its health check must not speak
     * HTTP, and keys that act on HTTP requests and responses are errors.
     */
    static void checkPools(List<ListenerConfig> listeners, Map<String, Section> poolSections,
                           Map<String, PoolConfig> pools) {
        Map<String, String> tcpUser = new LinkedHashMap<>();
        Map<String, String> httpUser = new LinkedHashMap<>();
        for (ListenerConfig l : listeners) {
            if (l.pool() == null) {
                continue;
            }
            (l.tcp() ? tcpUser : httpUser).putIfAbsent(l.pool(), l.name());
            if (l.tcp()) {
                l.sniRoutes().forEach(r -> tcpUser.putIfAbsent(r.pool(), l.name()));
            } else {
                // A route that redirects or responds itself has no pool.
                l.routes().stream().filter(r -> r.pool() != null)
                        .forEach(r -> httpUser.putIfAbsent(r.pool(), l.name()));
            }
        }
        for (Map.Entry<String, String> e : tcpUser.entrySet()) {
            Section s = poolSections.get(e.getKey());
            PoolConfig p = pools.get(e.getKey());
            if (s == null || p == null) {
                continue;
            }
            String used = "pool " + p.name() + " is used by the mode: tcp listener " + e.getValue();
            if (httpUser.containsKey(p.name())) {
                s.problem(null, used + " and by the HTTP listener " + httpUser.get(p.name())
                        + "; a pool serves one kind of listener (give each its own pool)");
            }
            if (p.health().isPresent() && p.health().get().type() == HealthConfig.Type.HTTP) {
                Section h = s.section("health");
                h.problem(h.has("type") ? "type" : null, used + ", so its check cannot be an HTTP request; "
                        + "set type: " + String.join(", ", HealthConfig.Type.tcpNames()));
            }
            for (String httpOnly : List.of("sticky", "tls", "error-pages", "protocol")) {
                if (s.has(httpOnly)) {
                    s.problem(httpOnly, "does not apply: " + used);
                }
            }
            if (s.has("timeouts") && s.section("timeouts").has("response")) {
                s.section("timeouts").problem("response", "does not apply: " + used
                        + " (timeouts.idle bounds a connection without traffic)");
            }
            if (s.has("outlier") && s.section("outlier").has("consecutive-5xx")) {
                s.section("outlier").problem("consecutive-5xx", "does not apply: " + used
                        + " (there are no HTTP statuses)");
            }
            if (p.hashOn().isPresent() && p.hashOn().get().source() != HashOn.Source.SOURCE_IP) {
                s.problem("hash-on", "'" + p.hashOn().get() + "' needs HTTP requests; " + used
                        + ", so only source-ip applies");
            }
        }
        for (Map.Entry<String, String> e : httpUser.entrySet()) {
            Section s = poolSections.get(e.getKey());
            PoolConfig p = pools.get(e.getKey());
            if (s == null || p == null || tcpUser.containsKey(e.getKey())) {
                continue;
            }
            if (p.closeOnDownAfter().isPresent()) {
                s.problem("on-down", "only applies to the pool of a mode: tcp listener; pool " + p.name()
                        + " is used by the HTTP listener " + e.getValue());
            }
            if (p.health().isEmpty()) {
                continue;
            }
            HealthConfig.Type type = p.health().get().type();
            if (type.tcpOnly()) {
                s.section("health").problem("type", "type: " + type.configName() + " checks a TCP service, "
                        + "but pool " + p.name() + " is used by the HTTP listener " + e.getValue()
                        + "; use type: http or tcp");
            }
        }
    }
}
