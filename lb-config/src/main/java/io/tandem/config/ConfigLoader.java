package io.tandem.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a Tandem YAML file into a validated {@link TandemConfig}. Every problem
 * of the file is collected, sorted by position, and thrown together in one
 * {@link ConfigException}; {@code tandem check} and {@code tandem run} print
 * the same list. Stateless; safe from any thread.
 */
public final class ConfigLoader {

    private static final String NAME_CHARS = "[A-Za-z0-9._-]+";

    private ConfigLoader() {}

    /** Reads {@code file} with the process environment for {@code ${NAME}} substitution. */
    public static TandemConfig load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    /** Reads {@code file}; {@code env} answers {@code ${NAME}} references (null when unset). */
    public static TandemConfig load(Path file, Function<String, String> env) throws ConfigException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ConfigException(List.of(new Problem(null, null, name
                    + ": cannot read: is a directory; expected a YAML file")));
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": no such file")));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": cannot read: " + describe(e))));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, name, env, dir == null ? Path.of("").toAbsolutePath() : dir, new HashSet<>());
    }

    /**
     * Parses {@code text} with the process environment; {@code file} names it in
     * problems, and relative file paths in it resolve against the working directory.
     */
    public static TandemConfig parse(String text, String file) throws ConfigException {
        return parse(text, file, System::getenv);
    }

    /** Parses {@code text}; {@code env} answers {@code ${NAME}} references (null when unset). */
    public static TandemConfig parse(String text, String file, Function<String, String> env) throws ConfigException {
        return parse(text, file, env, Path.of("").toAbsolutePath(), new HashSet<>());
    }

    /** The full parse; {@code keysRead} collects the registry paths the binder asked for (for tests). */
    static TandemConfig parse(String text, String file, Function<String, String> env, Path baseDir,
                              Set<String> keysRead) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        YamlNode root = new YamlTreeReader(file, problems, env).read(text);
        if (root == null) {
            if (problems.isEmpty()) {
                problems.add(new Problem(new Mark(file, 1, 1), "", "the file is empty; expected at least "
                        + "'listeners' and 'pools'"));
            }
            throw new ConfigException(problems);
        }
        Section top = Section.root(root, new Section.Context(problems, baseDir, keysRead));
        TandemConfig config = top == null ? null : new Binder(file).bind(top);
        if (!problems.isEmpty()) {
            List<Problem> sorted = new ArrayList<>(problems);
            sorted.sort(Comparator.comparing((Problem p) -> p.mark() == null ? 0 : p.mark().line())
                    .thenComparing(p -> p.mark() == null ? 0 : p.mark().column()));
            throw new ConfigException(sorted);
        }
        return config;
    }

    /** Reads a small file named by {@code key}; null (with a problem) when it cannot be read. */
    static String readFile(Section s, String key, String file, String expected) {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            s.problem(key, "cannot read " + file + ": is a directory; " + expected);
            return null;
        }
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            s.problem(key, "cannot read " + file + ": " + describe(e) + "; " + expected);
            return null;
        }
    }

    /** An I/O failure as a short phrase ("permission denied"), without Java class names. */
    static String describe(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : Units.lower(message);
    }

    /** Cookie names (RFC 6265 tokens) or {@code *}; each bad one is reported at its item. */
    static List<String> cookieNames(Section s, String key) {
        List<String> names = s.strings(key);
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals("*") && !names.get(i).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                s.itemProblem(key, i, "'" + names.get(i) + "' is not a cookie name");
            }
        }
        return names;
    }

    /** Binds the sections of one file to records and checks what spans sections; one instance per parse. */
    private static final class Binder {

        private final String file;
        private final List<Problem> warnings = new ArrayList<>();
        /** Names of the pools the file defines, or null when {@code pools} itself is broken. */
        private Set<String> poolNames;
        /** Names of the caches the file defines, or null when {@code caches} is absent or broken. */
        private Set<String> cacheNames;

        Binder(String file) {
            this.file = file;
        }

        TandemConfig bind(Section top) {
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            Map<String, Section> poolSectionsByName = new HashMap<>();
            List<Section> poolSections = top.named("pools");
            poolNames = top.names("pools");
            for (Section p : poolSections) {
                pools.put(p.name(), pool(p));
                poolSectionsByName.put(p.name(), p);
            }
            Map<String, CacheConfig> caches = new LinkedHashMap<>();
            cacheNames = top.names("caches");
            for (Section c : top.named("caches")) {
                caches.put(c.name(), cache(c));
            }
            List<ListenerConfig> listeners = new ArrayList<>();
            List<Section> listenerSections = top.list("listeners");
            for (Section l : listenerSections) {
                listeners.add(listener(l));
            }
            Section adminSection = top.section("admin");
            AdminConfig admin = admin(adminSection);
            checkListeners(listenerSections, listeners, adminSection, admin);
            TcpSections.checkPools(listeners, poolSectionsByName, pools);
            Section failoverSection = top.has("failover") ? top.section("failover") : null;
            Optional<FailoverConfig> failover = failoverSection != null
                    ? Optional.of(failover(failoverSection)) : Optional.empty();
            Duration shutdownTimeout = top.duration("shutdown-timeout");
            Optional<AnnounceConfig> announce = AnnounceSections.announce(top, failoverSection, failover);
            return new TandemConfig(file, listeners, admin, pools, failover, shutdownTimeout, warnings, announce,
                    DnsSections.resolvers(top), caches);
        }

        private ListenerConfig listener(Section s) {
            String name = s.string("name");
            if (name == null) {
                name = "listener-" + s.index();
            } else if (!name.matches(NAME_CHARS)) {
                s.problem("name", "'" + name + "' is not a valid name; expected letters, digits, '.', '_' and '-'");
            }
            HostPort bind = s.address("bind");
            String pool = s.string("pool");
            checkPoolReference(s, "pool", pool);
            ListenerMode mode = ListenerMode.fromConfig(s.choice("mode"));
            Section timeouts = s.section("timeouts");
            Duration headerTimeout = timeouts.duration("header");
            Duration idleTimeout = timeouts.duration("idle");
            Section limits = s.section("limits");
            int headerSize = (int) limits.size("header-size");
            int uriLength = (int) limits.size("uri-length");
            int maxConnections = limits.integer("connections");
            int trackedClients = limits.integer("tracked-clients");
            List<RouteConfig> routes = new RouteSections(this::checkPoolReference, this::checkCacheReference,
                    warnings).routes(s);
            String cache = s.string("cache");
            checkCacheReference(s, "cache", cache);
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
        private AccessLogConfig accessLog(Section s) {
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
        private SyslogConfig syslog(Section s) {
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
                checkPoolReference(r, "pool", pool);
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
        private ProxyProtocolConfig proxyProtocol(Section s) {
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

        /** A cache named by a listener or route ({@code off} is a route's way to say none). */
        private void checkCacheReference(Section s, String key, String cache) {
            if (cache == null || RouteConfig.NO_CACHE.equals(cache)
                    || (cacheNames != null && cacheNames.contains(cache))) {
                return;
            }
            if (cacheNames == null || cacheNames.isEmpty()) {
                s.problem(key, "no cache named '" + cache + "': the file has no caches section");
                return;
            }
            String hint = Suggestions.closest(cache, cacheNames);
            s.problem(key, "no cache named '" + cache + "'" + (hint != null ? "; did you mean '" + hint + "'?"
                    : "; caches are " + String.join(", ", cacheNames.stream().sorted().toList())));
        }

        private CacheConfig cache(Section s) {
            if (!s.name().matches(NAME_CHARS) || RouteConfig.NO_CACHE.equals(s.name())) {
                s.problem(null, "'" + s.name() + "' is not a valid cache name; expected letters, digits, '.', '_' "
                        + "and '-' (and not 'off')");
            }
            long memory = s.size("memory");
            long maxObject = s.size("max-object");
            if (maxObject > memory / 4) {
                s.problem("max-object", "is more than a quarter of memory (" + memory + " bytes): one object "
                        + "would push most others out; raise memory or lower max-object");
            }
            return new CacheConfig(s.name(), memory, maxObject, s.duration("default-ttl"), s.duration("grace"),
                    s.duration("stale-if-error"), cookieNames(s, "ignore-cookies"), s.bool("x-cache"),
                    s.duration("coalesce-wait"), s.duration("hit-for-miss"), s.bool("esi"),
                    memcached(s.section("shared")));
        }

        /** The memcached servers of a cache's shared tier, each {@code host:port}. */
        private static List<HostPort> memcached(Section s) {
            List<HostPort> servers = new ArrayList<>();
            List<String> items = s.strings("memcached");
            for (int i = 0; i < items.size(); i++) {
                try {
                    servers.add(HostPort.parse(items.get(i)));
                } catch (IllegalArgumentException e) {
                    s.itemProblem("memcached", i, e.getMessage());
                }
            }
            if (s.has("memcached") && items.isEmpty()) {
                s.problem("memcached", "needs at least one server, e.g. [10.0.0.31:11211]");
            }
            return servers;
        }

        private void checkPoolReference(Section s, String key, String pool) {
            if (pool == null || poolNames == null || poolNames.contains(pool)) {
                return;
            }
            String hint = Suggestions.closest(pool, poolNames);
            s.problem(key, "no pool named '" + pool + "'" + (hint != null ? "; did you mean '" + hint + "'?"
                    : "; pools are " + String.join(", ", poolNames.stream().sorted().toList())));
        }

        /**
         * Two listeners cannot bind the same port on the same address, nor on
         * any address when one of them is the wildcard; the admin server counts.
         */
        private void checkListeners(List<Section> sections, List<ListenerConfig> listeners, Section adminSection,
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

        private AdminConfig admin(Section s) {
            HostPort bind = s.address("bind");
            String tokenFile = s.file("token-file");
            if (tokenFile != null) {
                String token = readFile(s, "token-file", tokenFile,
                        "expected a file holding the admin bearer token (e.g. openssl rand -hex 32)");
                if (token != null && token.isBlank()) {
                    s.problem("token-file", tokenFile + " is empty; expected a file holding the admin bearer token "
                            + "(e.g. openssl rand -hex 32)");
                }
            }
            return new AdminConfig(bind, tokenFile);
        }

        private PoolConfig pool(Section s) {
            String name = s.name();
            if (!name.matches(NAME_CHARS)) {
                s.problem(null, "'" + name + "' is not a valid pool name; expected letters, digits, '.', '_' and '-' "
                        + "(it appears in URLs and metric labels)");
            }
            StrategyName strategy = StrategyName.fromConfig(s.choice("strategy"));
            HashOn hashOn = s.hashOn("hash-on");
            if (hashOn != null && strategy != StrategyName.CONSISTENT_HASH) {
                s.problem("hash-on", "only applies to strategy: consistent-hash (this pool uses "
                        + strategy.configName() + ")");
            }
            if (hashOn == null && strategy == StrategyName.CONSISTENT_HASH) {
                hashOn = new HashOn(HashOn.Source.SOURCE_IP, null);
            }
            List<BackendConfig> backends = new ArrayList<>();
            List<DnsBackendConfig> discovery = new ArrayList<>();
            Map<HostPort, Integer> seen = new HashMap<>();
            for (Section b : s.list("backends")) {
                if (DnsSections.entry(b, discovery)) {
                    continue;
                }
                HostPort address = b.address("address");
                int weight = b.integer("weight");
                boolean backup = b.bool("backup");
                if (address == null) {
                    continue;
                }
                if (address.isWildcard()) {
                    b.problem("address", "a backend needs a concrete host, not *");
                }
                Integer first = seen.putIfAbsent(address, b.index());
                if (first != null) {
                    b.problem("address", address + " is already backends[" + first + "] of this pool");
                }
                backends.add(new BackendConfig(address, weight, backup));
            }
            if (discovery.isEmpty() && !backends.isEmpty() && backends.stream().allMatch(BackendConfig::backup)) {
                s.problem("backends", "every backend is a backup; a pool needs at least one primary backend");
            }
            Optional<HealthConfig> health = s.has("health") ? Optional.of(health(s.section("health")))
                    : Optional.empty();
            Section timeouts = s.section("timeouts");
            Duration connect = timeouts.duration("connect");
            Duration response = timeouts.duration("response");
            Duration idle = timeouts.duration("idle");
            int retries = s.integer("retries");
            Duration slowStart = s.duration("slow-start");
            Optional<StickyConfig> sticky = Optional.empty();
            if (s.has("sticky")) {
                Section st = s.section("sticky");
                String cookie = st.string("cookie");
                if (cookie != null && !cookie.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    st.problem("cookie", "'" + cookie + "' is not a valid cookie name; expected letters, digits "
                            + "and !#$%&'*+.^_`|~-");
                }
                sticky = cookie == null ? Optional.empty() : Optional.of(new StickyConfig(cookie));
            }
            OutlierConfig outlier = outlier(s.section("outlier"));
            Optional<ProxyProtocolVersion> proxyProtocol = Optional.ofNullable(
                    ProxyProtocolVersion.fromConfig(s.choice("proxy-protocol")));
            Optional<BackendTlsConfig> tls = s.has("tls") ? Optional.of(TlsSections.backend(s.section("tls")))
                    : Optional.empty();
            Optional<Duration> closeOnDown = Optional.ofNullable(s.section("on-down")
                    .duration("close-connections-after"));
            if (s.has("on-down") && closeOnDown.isEmpty() && !s.section("on-down").has("close-connections-after")) {
                s.problem("on-down", "needs close-connections-after, e.g. on-down: { close-connections-after: 2s }");
            }
            PoolConfig.BackendProtocol protocol = ProtocolSections.protocol(s, tls.isPresent(),
                    proxyProtocol.isPresent(), health);
            return new PoolConfig(name, strategy, Optional.ofNullable(hashOn), backends, health, connect, response,
                    idle, retries, slowStart, sticky, outlier, proxyProtocol, tls,
                    RouteSections.errorPages(s.section("error-pages")), closeOnDown, discovery, protocol);
        }

        private HealthConfig health(Section s) {
            HealthConfig.Type type = HealthConfig.Type.valueOf(Units.upper(s.choice("type")).replace('-', '_'));
            String path = s.string("path");
            if (!path.startsWith("/")) {
                s.problem("path", "'" + path + "' must start with /");
            }
            String method = s.choice("method");
            String host = s.string("host");
            if (host != null && !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
                s.problem("host", "'" + host + "' is not a host name; expected e.g. www.example.com");
            }
            Duration interval = s.duration("interval");
            Duration downInterval = s.duration("down-interval");
            Duration timeout = s.duration("timeout");
            int rise = s.integer("rise");
            int fall = s.integer("fall");
            StatusRanges expect = s.statusRanges("expect-status");
            String expectBody = s.string("expect-body");
            if (expectBody != null && expectBody.isEmpty()) {
                s.problem("expect-body", "is empty; expected a text the response body contains");
            }
            if (expectBody != null && method.equals("HEAD")) {
                // The check could never pass: a HEAD response has no body to search.
                s.problem("expect-body", "a HEAD response has no body; use method: GET");
            }
            HealthConfig.InitialState initial = HealthConfig.InitialState.valueOf(Units.upper(s.choice("initial-state")));
            if (type != HealthConfig.Type.HTTP) {
                for (String httpOnly : List.of("path", "method", "host", "expect-status", "expect-body")) {
                    if (s.has(httpOnly)) {
                        s.problem(httpOnly, "only applies to type: http (this check is type: " + type.configName()
                                + ")");
                    }
                }
            }
            String send = bytesOf(s, "send");
            String expectBytes = bytesOf(s, "expect");
            String expectRegex = s.string("expect-regex");
            if (type == HealthConfig.Type.SEND_EXPECT) {
                if (expectBytes == null && expectRegex == null && !s.has("expect") && !s.has("expect-regex")) {
                    s.problem(null, "type: send-expect needs expect (bytes the answer contains) or expect-regex, "
                            + "e.g. { type: send-expect, send: \"version\\r\\n\", expect: VERSION }");
                }
                if (s.has("expect") && s.has("expect-regex")) {
                    s.problem("expect-regex", "set either expect or expect-regex, not both");
                }
                if (expectBytes != null && expectBytes.isEmpty()) {
                    s.problem("expect", "is empty; expected the bytes the answer contains");
                }
                if (expectRegex != null) {
                    try {
                        java.util.regex.Pattern.compile(expectRegex);
                    } catch (java.util.regex.PatternSyntaxException e) {
                        s.problem("expect-regex", "'" + expectRegex + "' is not a regular expression: "
                                + e.getDescription());
                    }
                }
            } else {
                for (String key : List.of("send", "expect", "expect-regex")) {
                    if (s.has(key)) {
                        s.problem(key, "only applies to type: send-expect (this check is type: " + type.configName()
                                + ")");
                    }
                }
            }
            String role = s.choice("role");
            if (role != null && type != HealthConfig.Type.REDIS) {
                s.problem("role", "only applies to type: redis (this check is type: " + type.configName() + ")");
            }
            String user = s.string("user");
            boolean database = type == HealthConfig.Type.MYSQL || type == HealthConfig.Type.POSTGRES;
            if (database && user == null) {
                // A MySQL check without a login would end each session unauthenticated, which the server
                // counts toward max_connect_errors until it blocks the balancer.
                s.problem(null, "type: " + type.configName() + " needs user, the account the check logs in as "
                        + "(without a password), e.g. user: tandem_check");
            } else if (!database && user != null) {
                s.problem("user", "only applies to type: mysql or postgres (this check is type: "
                        + type.configName() + ")");
            }
            if (user != null && (user.isEmpty() || user.indexOf('\0') >= 0)) {
                s.problem("user", "'" + user + "' is not a user name");
            }
            String db = s.string("database");
            if (db != null && type != HealthConfig.Type.POSTGRES) {
                s.problem("database", "only applies to type: postgres (this check is type: " + type.configName()
                        + ")");
            }
            return new HealthConfig(path, interval, timeout, rise, fall, expect, type, method, host, expectBody,
                    downInterval == null ? interval : downInterval, initial, send, expectBytes, expectRegex, role,
                    user, db, ProtocolSections.grpcService(s, type));
        }

        /**
         * A string of bytes: each character stands for the byte of its value, so YAML's escapes
         * ({@code "\r\n"}, {@code "\x00"}) write any byte; a character above U+00FF is a problem.
         */
        private static String bytesOf(Section s, String key) {
            String text = s.string(key);
            if (text == null) {
                return null;
            }
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) > 0xFF) {
                    s.problem(key, "holds '" + text.charAt(i) + "', which is not one byte; write bytes as "
                            + "\\xNN escapes in a double-quoted string");
                    return null;
                }
            }
            return text;
        }

        private OutlierConfig outlier(Section s) {
            int failures = s.integer("consecutive-failures");
            int fivexx = s.integer("consecutive-5xx");
            Duration ejection = s.duration("ejection-time");
            Duration maxEjection = s.duration("max-ejection-time");
            int percent = s.integer("max-ejected-percent");
            if (maxEjection.compareTo(ejection) < 0) {
                s.problem(s.has("max-ejection-time") ? "max-ejection-time" : "ejection-time",
                        "max-ejection-time " + Units.format(maxEjection) + " is shorter than ejection-time "
                                + Units.format(ejection) + "; expected at least the ejection time");
            }
            return new OutlierConfig(failures, fivexx, ejection, maxEjection, percent);
        }

        private FailoverConfig failover(Section s) {
            String node = s.string("node");
            if (node != null && (!node.matches(NAME_CHARS) || node.length() > 64)) {
                s.problem("node", "'" + node + "' is not a valid node name; expected up to 64 letters, digits, "
                        + "'.', '_' and '-'");
            }
            if (FailoverMode.fromConfig(s.choice("mode")) == FailoverMode.ANNOUNCE) {
                return AnnounceSections.failover(s, node);
            }
            for (String required : List.of("bind", "auth-key-file")) {
                if (!s.has(required)) {
                    s.problem(required, "is required (failover.mode: pair)");
                }
            }
            int clusterId = s.integer("cluster-id");
            int priority = s.integer("priority");
            HostPort bind = s.address("bind");
            HostPort peer = s.address("peer");
            HostPort multicast = s.address("multicast");
            if (peer == null && multicast == null && !s.has("peer") && !s.has("multicast")) {
                s.problem(null, "needs a peer (the other node's heartbeat address, e.g. peer: 10.0.0.3:5405) "
                        + "or a multicast group");
            }
            if (peer != null && multicast != null) {
                s.problem("multicast", "set either peer or multicast, not both");
            }
            if (peer != null && peer.isWildcard()) {
                s.problem("peer", "the peer needs a concrete address, not *");
            } else if (peer != null && peer.equals(bind)) {
                s.problem("peer", peer + " is this node's own bind; expected the other node's address");
            }
            if (multicast != null && !IpLiteral.isMulticast(multicast.host())) {
                s.problem("multicast", "'" + multicast.host() + "' is not a multicast group address; expected "
                        + "e.g. 224.0.0.18:5405 (224.0.0.0/4) or [ff02::12]:5405");
            }
            Duration advert = s.duration("advert-interval");
            String keyFile = s.file("auth-key-file");
            if (keyFile != null) {
                String key = readFile(s, "auth-key-file", keyFile,
                        "expected a file with 64 hex characters (openssl rand -hex 32)");
                if (key != null && !key.trim().matches("[0-9a-fA-F]{64}")) {
                    s.problem("auth-key-file", keyFile + " does not hold 64 hex characters; expected the output of "
                            + "openssl rand -hex 32");
                }
            }
            boolean preempt = s.bool("preempt");
            Duration preemptDelay = s.duration("preempt-delay");
            if (!preempt && s.has("preempt-delay")) {
                s.problem("preempt-delay", "only applies with preempt: true");
            }
            Section track = s.section("track");
            FailoverConfig.TrackConfig tracking = new FailoverConfig.TrackConfig(track.bool("no-backend-up"),
                    track.bool("listener-failed"));
            Section warm = s.section("warm-up");
            FailoverConfig.WarmUpConfig warmUp = new FailoverConfig.WarmUpConfig(warm.integer("requests"),
                    warm.duration("interval"));
            List<FailoverConfig.VipConfig> vips = new ArrayList<>();
            Map<String, Integer> seenVips = new HashMap<>();
            for (Section v : s.list("vip")) {
                String address = v.string("address");
                String iface = v.string("interface");
                if (address != null) {
                    String bad = cidrProblem(address);
                    if (bad != null) {
                        v.problem("address", bad);
                    } else {
                        Integer first = seenVips.putIfAbsent(address.substring(0, address.indexOf('/')), v.index());
                        if (first != null) {
                            v.problem("address", address + " is already vip[" + first + "]");
                        }
                    }
                }
                if (iface != null && !iface.matches("[A-Za-z0-9._@:-]{1,15}")) {
                    v.problem("interface", "'" + iface + "' is not a network interface name; expected e.g. eth0 "
                            + "(at most 15 characters)");
                }
                vips.add(new FailoverConfig.VipConfig(address, iface));
            }
            String notify = s.file("notify");
            if (notify != null) {
                Path script = Path.of(notify);
                if (!Files.exists(script)) {
                    s.problem("notify", "cannot run " + notify + ": no such file; expected an executable script");
                } else if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
                    s.problem("notify", "cannot run " + notify + ": not an executable file (chmod +x)");
                }
            }
            if (vips.isEmpty() && notify == null && !s.has("vip") && !s.has("notify")) {
                s.problem(null, "needs a vip to move or a notify script to call (or both); expected e.g. "
                        + "vip: [ { address: 10.0.0.100/24, interface: eth0 } ]");
            }
            boolean stateSync = s.bool("state-sync");
            if (stateSync && peer == null) {
                s.problem("state-sync", "needs peer: the state goes to the peer's address over TCP "
                        + "(a multicast pair has none)");
            }
            return new FailoverConfig(node, priority, bind, peer, advert, keyFile, preempt, vips, notify, clusterId,
                    preemptDelay, tracking, multicast, warmUp, stateSync);
        }

        /** Why {@code text} is not an IP address with a prefix length, or null when it is one. */
        private static String cidrProblem(String text) {
            String expected = "expected an address with prefix length such as 10.0.0.100/24 or fd00::100/64";
            int slash = text.indexOf('/');
            if (slash < 0) {
                return "'" + text + "' has no prefix length; " + expected;
            }
            byte[] address = IpLiteral.parse(text.substring(0, slash));
            if (address == null) {
                return "'" + text + "' is not an IP address with prefix length; " + expected;
            }
            int max = address.length * 8;
            try {
                int prefix = Integer.parseInt(text.substring(slash + 1));
                if (prefix < 0 || prefix > max) {
                    return "prefix length " + prefix + " is out of range; expected 0-" + max;
                }
            } catch (NumberFormatException e) {
                return "'" + text + "' has no valid prefix length; " + expected;
            }
            return null;
        }
    }
}
