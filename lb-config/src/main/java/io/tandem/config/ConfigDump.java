package io.tandem.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The effective config as YAML ({@code tandem check --dump}, like nginx -T):
 * every key the loader gave a default written out with that default,
 * variables already substituted, file paths absolute, keys in the order of the
 * reference. The text loads again to an equal config, so an operator can diff
 * what two files really mean. Keys that only apply together with another one
 * ({@code client-auth} without {@code client-ca}, an HTTP check's
 * {@code path} on a TCP check) are left out where the loader would refuse
 * them. Pure.
 */
public final class ConfigDump {

    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build());

    private ConfigDump() {}

    /** {@code config} as a YAML document, headed by a comment naming its source. */
    public static String yaml(TandemConfig config) {
        try {
            return "# effective config of " + config.source() + ": every default filled in\n"
                    + YAML.writeValueAsString(tree(config));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code config} as nested maps and lists of strings, numbers and booleans. */
    static Map<String, Object> tree(TandemConfig config) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("listeners", list(config.listeners(), ConfigDump::listener));
        Map<String, Object> admin = new LinkedHashMap<>();
        admin.put("bind", config.admin().bind().toString());
        putFile(admin, "token-file", config.admin().tokenFile());
        root.put("admin", admin);
        Set<String> tcpPools = new HashSet<>();
        config.listeners().stream().filter(ListenerConfig::tcp).forEach(l -> {
            tcpPools.add(l.pool());
            l.sniRoutes().forEach(r -> tcpPools.add(r.pool()));
        });
        Map<String, Object> pools = new LinkedHashMap<>();
        config.pools().forEach((name, pool) -> pools.put(name, pool(pool, tcpPools.contains(name))));
        root.put("pools", pools);
        config.failover().ifPresent(f -> root.put("failover", failover(f)));
        root.put("shutdown-timeout", duration(config.shutdownTimeout()));
        config.announce().ifPresent(a -> root.put("announce", announce(a)));
        if (!config.resolvers().isEmpty()) {
            root.put("resolvers", list(config.resolvers(), HostPort::toString));
        }
        if (!config.caches().isEmpty()) {
            Map<String, Object> caches = new LinkedHashMap<>();
            config.caches().forEach((name, c) -> caches.put(name, map("memory", Units.formatSize(c.memory()),
                    "max-object", Units.formatSize(c.maxObject()), "default-ttl", duration(c.defaultTtl()),
                    "grace", duration(c.grace()), "stale-if-error", duration(c.staleIfError()),
                    "ignore-cookies", c.ignoreCookies(), "x-cache", c.xCache(),
                    "coalesce-wait", duration(c.coalesceWait()), "hit-for-miss", duration(c.hitForMiss()),
                    "esi", c.esi(), "shared", map("memcached",
                            c.memcached().stream().map(HostPort::toString).toList()))));
            root.put("caches", caches);
        }
        return root;
    }

    private static Map<String, Object> listener(ListenerConfig l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("bind", l.bind().toString());
        m.put("pool", l.pool());
        if (l.tcp()) {
            // Only what a mode: tcp listener takes: tandem check refuses the HTTP-only keys on it.
            m.put("timeouts", map("idle", duration(l.idleTimeout())));
            m.put("access-log", accessLog(l.accessLog()));
            m.put("proxy-protocol", map("accept", false));
            m.put("mode", l.mode().configName());
            m.put("sni-routes", list(l.sniRoutes(), r -> map("sni", r.sni(), "pool", r.pool())));
            return m;
        }
        m.put("timeouts", map("header", duration(l.headerTimeout()), "idle", duration(l.idleTimeout())));
        m.put("limits", map("header-size", Units.formatSize(l.maxHeaderSize()),
                "uri-length", Units.formatSize(l.maxUriLength()), "connections", l.maxConnections(),
                "tracked-clients", l.trackedClients()));
        m.put("routes", list(l.routes(), ConfigDump::route));
        if (!l.access().open()) {
            m.put("access", access(l.access()));
        }
        m.put("access-log", accessLog(l.accessLog()));
        Map<String, Object> proxyProtocol = new LinkedHashMap<>();
        proxyProtocol.put("accept", l.proxyProtocol().accept());
        if (l.proxyProtocol().accept()) {
            proxyProtocol.put("from", l.proxyProtocol().from().stream().map(CidrRange::toString)
                    .collect(Collectors.toList()));
        }
        m.put("proxy-protocol", proxyProtocol);
        l.tls().ifPresent(tls -> m.put("tls", listenerTls(tls)));
        l.redirectHttp().ifPresent(from -> m.put("redirect-http", map("from", from.toString())));
        l.hsts().ifPresent(maxAge -> m.put("hsts", maxAge.toSeconds() + "s"));
        m.put("mode", l.mode().configName());
        if (l.cache() != null) {
            m.put("cache", l.cache());
        }
        Http2Config h2 = l.http2();
        m.put("protocols", h2.protocols().stream().map(Http2Config.Protocol::configName).collect(Collectors.toList()));
        Map<String, Object> http2 = map("max-concurrent-streams", h2.maxConcurrentStreams(),
                "max-header-list-size", Units.formatSize(h2.maxHeaderListSize()),
                "max-frame-size", Units.formatSize(h2.maxFrameSize()),
                "initial-window-size", Units.formatSize(h2.initialWindowSize()),
                "connection-window-size", Units.formatSize(h2.connectionWindowSize()));
        http2.put("max-resets", h2.maxResets());
        http2.put("reset-window", duration(h2.resetWindow()));
        http2.put("max-control-frames", h2.maxControlFrames());
        http2.put("stall-timeout", duration(h2.stallTimeout()));
        m.put("http2", http2);
        return m;
    }

    private static Map<String, Object> accessLog(AccessLogConfig log) {
        Map<String, Object> accessLog = map("enabled", log.enabled(), "format", log.format().configName());
        if (log.format() == AccessLogConfig.Format.TEMPLATE) {
            log.template().ifPresent(t -> accessLog.put("template", t.text()));
        }
        log.syslog().ifPresent(sys -> accessLog.put("syslog", map("address", sys.address().toString(),
                "transport", sys.transport().configName(), "facility", sys.facility().configName(),
                "app-name", sys.appName())));
        return accessLog;
    }

    /** A route in the short form when it is one, else with its match; then what it does. */
    private static Map<String, Object> route(RouteConfig r) {
        Map<String, Object> route = new LinkedHashMap<>();
        if ((r.host() != null || r.pathPrefix() != null) && r.match().equals(RouteMatch.of(r.host(), r.pathPrefix()))) {
            putIfSet(route, "host", r.host());
            putIfSet(route, "path-prefix", r.pathPrefix());
        } else {
            route.put("match", match(r.match()));
        }
        putIfSet(route, "pool", r.pool());
        RewriteConfig w = r.rewrite();
        if (!w.equals(RewriteConfig.NONE)) {
            Map<String, Object> rewrite = new LinkedHashMap<>();
            if (w.strip()) {
                rewrite.put("strip-prefix", w.pathFrom());
            } else if (w.pathFrom() != null) {
                rewrite.put("replace-prefix", map("from", w.pathFrom(), "to", w.pathTo()));
            }
            if (!w.requestHeaders().isEmpty()) {
                rewrite.put("request-headers", list(w.requestHeaders(), ConfigDump::headerEdit));
            }
            if (!w.responseHeaders().isEmpty()) {
                rewrite.put("response-headers", list(w.responseHeaders(), ConfigDump::headerEdit));
            }
            route.put("rewrite", rewrite);
        }
        r.redirect().ifPresent(d -> route.put("redirect", map("status", Integer.toString(d.status()),
                "location", d.location().text())));
        r.respond().ifPresent(d -> route.put("respond", map("status", d.status(), "content-type", d.contentType(),
                "body", d.body())));
        if (!r.access().open()) {
            route.put("access", access(r.access()));
        }
        RouteLimits limits = r.limits();
        if (!limits.equals(RouteLimits.NONE)) {
            Map<String, Object> m = map("body", Units.formatSize(limits.body()), "connections", limits.connections());
            if (limits.rate() > 0) {
                long seconds = limits.window().toSeconds();
                m.put("rate", limits.rate() + (seconds == 1 ? "/s" : seconds == 60 ? "/m" : "/h"));
            }
            route.put("limits", m);
        }
        if (r.cache() != null) {
            route.put("cache", r.cache());
        }
        r.cacheIgnoreCookies().ifPresent(c -> route.put("cache-ignore-cookies", c));
        return route;
    }

    private static Map<String, Object> match(RouteMatch match) {
        Map<String, Object> m = new LinkedHashMap<>();
        putIfSet(m, "host", match.host());
        if (match.path() != null) {
            m.put("path", map(Units.lower(match.path().kind().name()), match.path().value()));
        }
        if (!match.methods().isEmpty()) {
            m.put("method", new ArrayList<Object>(match.methods()));
        }
        if (!match.headers().isEmpty()) {
            m.put("headers", list(match.headers(), ConfigDump::field));
        }
        if (!match.query().isEmpty()) {
            m.put("query", list(match.query(), ConfigDump::field));
        }
        if (!match.source().isEmpty()) {
            m.put("source", match.source().stream().map(CidrRange::toString).collect(Collectors.toList()));
        }
        return m;
    }

    private static Object field(RouteMatch.FieldMatch f) {
        Map<String, Object> m = map("name", f.name());
        putIfSet(m, "equals", f.equals());
        putIfSet(m, "regex", f.regex());
        return m;
    }

    private static Object headerEdit(RewriteConfig.HeaderEdit e) {
        Map<String, Object> m = map(Units.lower(e.action().name()), e.name());
        if (e.value() != null) {
            m.put("value", e.value().text());
        }
        return m;
    }

    private static Map<String, Object> access(AccessConfig a) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!a.allow().isEmpty()) {
            m.put("allow", a.allow().stream().map(CidrRange::toString).collect(Collectors.toList()));
        }
        if (!a.deny().isEmpty()) {
            m.put("deny", a.deny().stream().map(CidrRange::toString).collect(Collectors.toList()));
        }
        a.basicAuth().ifPresent(b -> {
            putFile(m, "basic-auth", b.file());
            m.put("realm", b.realm());
        });
        return m;
    }

    private static Map<String, Object> listenerTls(ListenerTlsConfig tls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("certificates", list(tls.certificates(), c -> {
            Map<String, Object> cert = new LinkedHashMap<>();
            putFile(cert, "cert", c.certFile());
            putFile(cert, "key", c.keyFile());
            c.ocsp().ifPresent(o -> putFile(cert, "ocsp", o.file()));
            return cert;
        }));
        m.put("strict-sni", tls.strictSni());
        m.put("min-version", tls.minVersion().configName());
        m.put("ciphers", String.join(":", tls.ciphers()));
        tls.clients().ifPresent(c -> {
            putFile(m, "client-ca", c.caFile());
            m.put("client-auth", c.required() ? "required" : "optional");
            m.put("client-cert-header", c.header());
        });
        tls.ticketKeys().ifPresent(k -> putFile(m, "ticket-keys", k.file()));
        return m;
    }

    /** A pool; one of a mode: tcp listener without the keys that only apply to HTTP, which check refuses. */
    private static Map<String, Object> pool(PoolConfig p, boolean tcp) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", p.strategy().configName());
        p.hashOn().ifPresent(h -> m.put("hash-on", h.toString()));
        List<Object> backends = list(p.backends(), b -> map("address", b.address().toString(), "weight", b.weight(),
                "backup", b.backup()));
        for (DnsBackendConfig d : p.discovery()) {
            Map<String, Object> entry = d.srv() ? map("dns-srv", d.name())
                    : map("dns", d.label(), "weight", d.weight(), "backup", d.backup());
            entry.put("ttl", map("min", duration(d.ttlMin()), "max", duration(d.ttlMax())));
            entry.put("hold", duration(d.hold()));
            backends.add(entry);
        }
        m.put("backends", backends);
        p.health().ifPresent(h -> m.put("health", health(h)));
        Map<String, Object> timeouts = map("connect", duration(p.connectTimeout()),
                "response", duration(p.responseTimeout()), "idle", duration(p.idleTimeout()));
        if (tcp) {
            timeouts.remove("response");
        }
        m.put("timeouts", timeouts);
        m.put("retries", p.retries());
        m.put("slow-start", duration(p.slowStart()));
        p.sticky().ifPresent(s -> m.put("sticky", map("cookie", s.cookie())));
        OutlierConfig o = p.outlier();
        m.put("outlier", map("consecutive-failures", o.consecutiveFailures(), "consecutive-5xx", o.consecutive5xx(),
                "ejection-time", duration(o.ejectionTime()), "max-ejection-time", duration(o.maxEjectionTime()),
                "max-ejected-percent", o.maxEjectedPercent()));
        if (tcp) {
            ((Map<?, ?>) m.get("outlier")).remove("consecutive-5xx");
        }
        p.proxyProtocol().ifPresent(v -> m.put("proxy-protocol", v.configName()));
        if (!p.errorPages().isEmpty()) {
            Map<String, Object> pages = new LinkedHashMap<>();
            p.errorPages().keySet().stream().sorted().forEach(status -> putFile(pages, Integer.toString(status),
                    p.errorPages().get(status).file()));
            m.put("error-pages", pages);
        }
        p.tls().ifPresent(tls -> {
            Map<String, Object> t = new LinkedHashMap<>();
            putFile(t, "ca", tls.ca());
            t.put("verify", tls.verify());
            putIfSet(t, "sni", tls.sni());
            putFile(t, "cert", tls.cert());
            putFile(t, "key", tls.key());
            m.put("tls", t);
        });
        p.closeOnDownAfter().ifPresent(d -> m.put("on-down", map("close-connections-after", duration(d))));
        if (!tcp) {
            m.put("protocol", p.protocol().configName());
        }
        return m;
    }

    private static Map<String, Object> health(HealthConfig h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", h.type().configName());
        boolean http = h.type() == HealthConfig.Type.HTTP;
        if (http) {
            m.put("path", h.path());
            m.put("method", h.method());
            putIfSet(m, "host", h.host());
        }
        m.put("interval", duration(h.interval()));
        m.put("down-interval", duration(h.downInterval()));
        m.put("timeout", duration(h.timeout()));
        m.put("rise", h.rise());
        m.put("fall", h.fall());
        if (http) {
            m.put("expect-status", h.expectStatus().toString());
            putIfSet(m, "expect-body", h.expectBody());
        }
        m.put("initial-state", h.initialState().configName());
        putIfSet(m, "send", h.send());
        putIfSet(m, "expect", h.expect());
        putIfSet(m, "expect-regex", h.expectRegex());
        putIfSet(m, "role", h.role());
        putIfSet(m, "user", h.user());
        putIfSet(m, "database", h.database());
        if (!h.service().isEmpty()) {
            m.put("service", h.service());
        }
        return m;
    }

    private static Map<String, Object> failover(FailoverConfig f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", f.mode().configName());
        m.put("node", f.node());
        if (f.announces()) {
            m.put("warm-up", map("requests", f.warmUp().requests(), "interval", duration(f.warmUp().interval())));
            return m;
        }
        m.put("cluster-id", f.clusterId());
        m.put("priority", f.priority());
        m.put("bind", f.bind().toString());
        if (f.peer() != null) {
            m.put("peer", f.peer().toString());
        }
        if (f.multicast() != null) {
            m.put("multicast", f.multicast().toString());
        }
        m.put("advert-interval", duration(f.advertInterval()));
        putFile(m, "auth-key-file", f.authKeyFile());
        m.put("preempt", f.preempt());
        m.put("preempt-delay", duration(f.preemptDelay()));
        m.put("track", map("no-backend-up", f.track().noBackendUp(), "listener-failed", f.track().listenerFailed()));
        m.put("warm-up", map("requests", f.warmUp().requests(), "interval", duration(f.warmUp().interval())));
        m.put("vip", list(f.vips(), v -> map("address", v.address(), "interface", v.iface())));
        putFile(m, "notify", f.notifyScript());
        m.put("state-sync", f.stateSync());
        return m;
    }

    private static Map<String, Object> announce(AnnounceConfig a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vips", a.vips());
        m.put("interface", a.iface());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", a.daemon().type().configName());
        d.put("command", a.daemon().command());
        if (a.daemon().type() == AnnounceConfig.DaemonType.GOBGP) {
            d.put("api", a.daemon().api().toString());
        } else if (a.daemon().type() == AnnounceConfig.DaemonType.BIRD) {
            d.put("include", a.daemon().include());
            d.put("socket", a.daemon().socket());
        } else {
            d.put("asn", Long.toString(a.daemon().asn()));
            putIfSet(d, "pathspace", a.daemon().pathspace());
        }
        m.put("daemon", d);
        m.put("next-hop", a.nextHop());
        m.put("communities", a.communities());
        m.put("withdraw-wait", duration(a.withdrawWait()));
        m.put("check-interval", duration(a.checkInterval()));
        return m;
    }

    private static String duration(Duration d) {
        return Units.format(d);
    }

    private static void putIfSet(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** A file key as an absolute path, so the dump means the same file wherever it is saved. */
    private static void putFile(Map<String, Object> m, String key, String file) {
        if (file != null) {
            m.put(key, Path.of(file).toAbsolutePath().normalize().toString());
        }
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static <T> List<Object> list(List<T> items, Function<T, Object> each) {
        List<Object> out = new ArrayList<>();
        items.forEach(item -> out.add(each.apply(item)));
        return out;
    }
}
