package io.tandem.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sections of {@code listeners}: a listener's bind, mode, timeouts and
 * limits, routes (see {@link RouteSections}), cache, access log and its
 * syslog target, TLS (see {@link TlsSections}), redirect-http, HSTS, SNI
 * routes, PROXY protocol and HTTP/2; and {@link #checkListeners}, what
 * spans listeners (names and binds, with the admin bind). One per parse: it
 * reports references to pools and caches through the checks the binder gives
 * it, and shadowed routes to its warnings.
 */
final class ListenerSections {

    private final RouteSections.PoolCheck poolCheck;
    private final RouteSections.PoolCheck cacheCheck;
    private final List<Problem> warnings;

    ListenerSections(RouteSections.PoolCheck poolCheck, RouteSections.PoolCheck cacheCheck, List<Problem> warnings) {
        this.poolCheck = poolCheck;
        this.cacheCheck = cacheCheck;
        this.warnings = warnings;
    }

    ListenerConfig listener(Section s) {
        String name = s.string("name");
        if (name == null) {
            name = "listener-" + s.index();
        } else if (!name.matches(ConfigLoader.NAME_CHARS)) {
            s.problem("name", "'" + name + "' is not a valid name; expected letters, digits, '.', '_' and '-'");
        }
        HostPort bind = s.address("bind");
        String pool = s.string("pool");
        poolCheck.check(s, "pool", pool);
        ListenerMode mode = ListenerMode.fromConfig(s.choice("mode"));
        Section timeouts = s.section("timeouts");
        Duration headerTimeout = timeouts.duration("header");
        Duration idleTimeout = timeouts.duration("idle");
        Section limits = s.section("limits");
        int headerSize = (int) limits.size("header-size");
        int uriLength = (int) limits.size("uri-length");
        int maxConnections = limits.integer("connections");
        int trackedClients = limits.integer("tracked-clients");
        List<RouteConfig> routes = new RouteSections(poolCheck, cacheCheck, warnings).routes(s);
        String cache = s.string("cache");
        cacheCheck.check(s, "cache", cache);
        if (cache != null && RouteConfig.NO_CACHE.equals(cache)) {
            s.problem("cache", "'off' only applies to a route (a listener without a cache has no cache key)");
        }
        AccessLogConfig accessLog = accessLog(s.section("access-log"));
        Optional<ListenerTlsConfig> tls = s.has("tls") ? Optional.ofNullable(TlsSections.listener(s.section("tls")))
                : Optional.empty();
        Optional<HostPort> redirect = Optional.empty();
        if (s.has("redirect-http")) {
            HostPort from = s.section("redirect-http").address("from");
            if (from != null && !s.has("tls") && mode == ListenerMode.HTTP) {
                s.problem("redirect-http", "only applies to a listener with tls (it redirects to this listener "
                        + "over https)");
            }
            redirect = Optional.ofNullable(from);
        }
        Optional<Duration> hsts = Optional.empty();
        String maxAge = s.string("hsts");
        if (maxAge != null) {
            try {
                hsts = Optional.of(Units.parseMaxAge(maxAge));
            } catch (IllegalArgumentException e) {
                s.problem("hsts", e.getMessage());
            }
            if (!s.has("tls") && mode == ListenerMode.HTTP) {
                s.problem("hsts", "only applies to a listener with tls (browsers ignore it over plain http)");
            }
        }
        if (mode == ListenerMode.TCP) {
            TcpSections.refuseHttpKeys(s);
        }
        List<SniRouteConfig> sniRoutes = sniRoutes(s);
        if (!sniRoutes.isEmpty() && mode != ListenerMode.TCP) {
            s.problem("sni-routes", "only applies to a mode: tcp listener (an HTTP listener routes by "
                    + "routes[].host)");
        }
        return new ListenerConfig(name, bind, pool, headerTimeout, idleTimeout, headerSize, uriLength, routes,
                accessLog, proxyProtocol(s.section("proxy-protocol")), tls, redirect, hsts,
                RouteSections.access(s.section("access"), false), maxConnections, trackedClients, mode,
                sniRoutes, mode == ListenerMode.TCP ? null : cache,
                Http2Sections.http2(s, tls.isPresent() || s.has("tls")));
    }

    /**
     * A listener's access log. {@code template} alone means {@code format: template};
     * a template with another format, or that format without one, is a problem.
     */
    private static AccessLogConfig accessLog(Section s) {
        boolean enabled = s.bool("enabled");
        AccessLogConfig.Format format = AccessLogConfig.Format.fromConfig(s.choice("format"));
        String text = s.string("template");
        if (text != null && !s.has("format")) {
            format = AccessLogConfig.Format.TEMPLATE;
        }
        Optional<AccessLogTemplate> template = Optional.ofNullable(format.builtIn());
        if (format == AccessLogConfig.Format.TEMPLATE) {
            if (text == null) {
                s.problem("format", "format: template needs a template, e.g. template: \"$client $method $uri "
                        + "$status $backend $total_time\"");
            } else if (text.isEmpty()) {
                s.problem("template", "is empty; expected fields such as $client $status");
            } else {
                try {
                    template = Optional.of(AccessLogTemplate.parse(text));
                } catch (IllegalArgumentException e) {
                    s.problem("template", e.getMessage());
                }
            }
        } else if (text != null) {
            s.problem("template", "only applies with format: template (this log is format: "
                    + format.configName() + ")");
        }
        Optional<SyslogConfig> syslog = s.has("syslog") ? Optional.ofNullable(syslog(s.section("syslog")))
                : Optional.empty();
        return new AccessLogConfig(enabled, format, template, syslog);
    }

    /** A syslog target; null (with a problem) when its address is missing or unusable. */
    private static SyslogConfig syslog(Section s) {
        HostPort address = s.address("address");
        SyslogConfig.Transport transport = SyslogConfig.Transport.valueOf(Units.upper(s.choice("transport")));
        SyslogConfig.Facility facility = SyslogConfig.Facility.valueOf(Units.upper(s.choice("facility")));
        String appName = s.string("app-name");
        if (!appName.matches("[!-~]{1,48}")) {
            // RFC 5424 section 6: APP-NAME is 1-48 printable US-ASCII characters, no space.
            s.problem("app-name", "'" + appName + "' is not a syslog app-name; expected 1-48 printable ASCII "
                    + "characters without spaces");
        }
        if (address != null && address.isWildcard()) {
            s.problem("address", "the syslog server needs a concrete host, not *");
            return null;
        }
        return address == null ? null : new SyslogConfig(address, transport, facility, appName);
    }

    /** A listener's SNI routes: host names or one-label wildcards, each named once, to known pools. */
    private List<SniRouteConfig> sniRoutes(Section s) {
        List<SniRouteConfig> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Section r : s.list("sni-routes")) {
            String sni = r.string("sni");
            String pool = r.string("pool");
            poolCheck.check(r, "pool", pool);
            if (sni == null) {
                continue;
            }
            String name = Units.lower(sni);
            if (!name.matches("(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*")) {
                r.problem("sni", "'" + sni + "' is not a host name; expected e.g. db.example.com or "
                        + "*.example.com (one leftmost label)");
                continue;
            }
            Integer first = seen.putIfAbsent(name, r.index());
            if (first != null) {
                r.problem("sni", "never matches: sni-routes[" + first + "] has the same name");
            }
            out.add(new SniRouteConfig(name, pool));
        }
        return out;
    }

    /**
     * A listener's PROXY protocol: {@code from} is required with {@code accept: true}
     * (trusting every source would let any client claim any address) and
     * meaningless without it.
     */
    private static ProxyProtocolConfig proxyProtocol(Section s) {
        boolean accept = s.bool("accept");
        if (accept && !s.has("from")) {
            s.problem(null, "accept: true needs from, the address ranges of the balancers that send the "
                    + "header (e.g. from: [10.0.0.0/8])");
            return ProxyProtocolConfig.OFF;
        }
        List<CidrRange> from = s.cidrs("from", accept, accept ? 1 : 0);
        if (!accept && s.has("from")) {
            s.problem("from", "only applies with accept: true");
        }
        return accept ? new ProxyProtocolConfig(true, from) : ProxyProtocolConfig.OFF;
    }

    /**
     * Two listeners cannot bind the same port on the same address, nor on
     * any address when one of them is the wildcard; the admin server counts.
     */
    static void checkListeners(List<Section> sections, List<ListenerConfig> listeners, Section adminSection,
                                AdminConfig admin) {
        Map<String, Integer> names = new HashMap<>();
        List<Integer> bound = new ArrayList<>();
        for (int i = 0; i < listeners.size(); i++) {
            ListenerConfig l = listeners.get(i);
            Section s = sections.get(i);
            Integer firstName = names.putIfAbsent(l.name(), s.index());
            if (firstName != null) {
                s.problem(s.has("name") ? "name" : null, "'" + l.name() + "' is already the name of listeners["
                        + firstName + "]");
            }
            if (l.bind() == null) {
                continue;
            }
            for (int j : bound) {
                HostPort other = listeners.get(j).bind();
                if (overlap(l.bind(), other)) {
                    s.problem("bind", l.bind().equals(other)
                            ? l.bind() + " is already the bind of listeners[" + sections.get(j).index() + "]"
                            : l.bind() + " overlaps listeners[" + sections.get(j).index() + "].bind " + other
                            + " (same port, and one of them binds every address)");
                    break;
                }
            }
            bound.add(i);
            checkRedirect(sections, listeners, i, admin);
            if (admin.bind() != null && overlap(l.bind(), admin.bind())) {
                boolean same = l.bind().equals(admin.bind());
                if (adminSection.has("bind")) {
                    adminSection.problem("bind", admin.bind() + (same ? " is already" : " overlaps")
                            + " the bind of listeners[" + s.index() + "] " + l.bind());
                } else {
                    s.problem("bind", l.bind() + (same ? " is also" : " overlaps") + " the admin bind "
                            + admin.bind() + " (the default; set admin.bind to move it)");
                }
            }
        }
    }

    /**
     * The redirect of listener {@code i} binds a port of its own: it may not overlap any listener's
     * bind, the redirect of an earlier listener, or the admin bind.
     */
    private static void checkRedirect(List<Section> sections, List<ListenerConfig> listeners, int i,
                                 AdminConfig admin) {
        HostPort from = listeners.get(i).redirectHttp().orElse(null);
        if (from == null) {
            return;
        }
        Section s = sections.get(i).section("redirect-http");
        for (int j = 0; j < listeners.size(); j++) {
            ListenerConfig other = listeners.get(j);
            String where = "listeners[" + sections.get(j).index() + "]";
            if (other.bind() != null && overlap(from, other.bind())) {
                s.problem("from", from + (from.equals(other.bind()) ? " is already" : " overlaps") + " the bind of "
                        + where + " " + other.bind());
                return;
            }
            HostPort otherFrom = other.redirectHttp().orElse(null);
            if (j < i && otherFrom != null && overlap(from, otherFrom)) {
                s.problem("from", from + (from.equals(otherFrom) ? " is already" : " overlaps") + " "
                        + where + ".redirect-http.from " + otherFrom);
                return;
            }
        }
        if (admin.bind() != null && overlap(from, admin.bind())) {
            s.problem("from", from + " overlaps the admin bind " + admin.bind());
        }
    }

    private static boolean overlap(HostPort a, HostPort b) {
        return a.port() == b.port() && (a.isWildcard() || b.isWildcard() || a.host().equals(b.host()));
    }
}
