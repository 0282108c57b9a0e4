package io.tandem.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Tandem YAML file into a validated {@link TandemConfig}. Every problem
 * of the file is collected and thrown together in one {@link ConfigException}.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    public static TandemConfig load(Path file) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": no such file")));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": cannot read: " + e.getMessage())));
        }
        return parse(text, name);
    }

    /** Parses {@code text}; {@code file} names it in problems. */
    public static TandemConfig parse(String text, String file) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        YamlNode root = new YamlTreeReader(file, problems).read(text);
        if (root == null) {
            if (problems.isEmpty()) {
                problems.add(new Problem(new Mark(file, 1, 1), "", "the file is empty; expected at least "
                        + "'listeners' and 'pools'"));
            }
            throw new ConfigException(problems);
        }
        TandemConfig config = new Binder(problems).bind(root, file);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /** Binds the tree to records; one instance per parse. */
    private static final class Binder {

        private final List<Problem> problems;

        Binder(List<Problem> problems) {
            this.problems = problems;
        }

        TandemConfig bind(YamlNode root, String file) {
            Section top = Section.of(root, "", problems);
            if (top == null) {
                return null;
            }
            List<ListenerConfig> listeners = new ArrayList<>();
            List<Mark> listenerMarks = new ArrayList<>();
            List<YamlNode> listenerNodes = top.list("listeners", true);
            if (top.has("listeners") && listenerNodes.isEmpty() && problemsAreFrom(top, "listeners")) {
                problems.add(new Problem(top.node("listeners").mark(), "listeners", "needs at least one listener"));
            }
            for (int i = 0; i < listenerNodes.size(); i++) {
                ListenerConfig l = listener(listenerNodes.get(i), "listeners[" + i + "]", i);
                if (l != null) {
                    listeners.add(l);
                    listenerMarks.add(listenerNodes.get(i).mark());
                }
            }
            AdminConfig admin = admin(top.section("admin"));
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            Map<String, Mark> poolMarks = new HashMap<>();
            Section poolsSection = top.section("pools");
            if (poolsSection == null && !top.has("pools")) {
                problems.add(new Problem(top.mark(), "pools", "is required"));
            }
            if (poolsSection != null) {
                YamlNode.MapNode map = (YamlNode.MapNode) top.node("pools");
                for (Map.Entry<String, YamlNode.Entry> e : map.entries().entrySet()) {
                    PoolConfig p = pool(e.getKey(), e.getValue().value(), "pools." + e.getKey());
                    poolsSection.node(e.getKey());
                    if (p != null) {
                        pools.put(p.name(), p);
                        poolMarks.put(p.name(), e.getValue().keyMark());
                    }
                }
                if (map.entries().isEmpty()) {
                    problems.add(new Problem(map.mark(), "pools", "needs at least one pool"));
                }
            }
            Optional<FailoverConfig> failover = Optional.ofNullable(failover(top.section("failover")));
            Duration shutdownTimeout = top.duration("shutdown-timeout", Defaults.SHUTDOWN_TIMEOUT);
            top.rejectUnknownKeys();
            checkReferences(listeners, listenerMarks, pools, poolsSection != null);
            return new TandemConfig(file, listeners, admin, pools, failover, shutdownTimeout);
        }

        private boolean problemsAreFrom(Section top, String key) {
            return top.node(key) instanceof YamlNode.ListNode;
        }

        private ListenerConfig listener(YamlNode node, String path, int index) {
            Section s = Section.of(node, path, problems);
            if (s == null) {
                return null;
            }
            String name = s.string("name", "listener-" + index, false);
            HostPort bind = s.parsed("bind", null, true, HostPort::parse);
            String pool = s.string("pool", null, true);
            Duration headerTimeout = Defaults.LISTENER_HEADER_TIMEOUT;
            Duration idleTimeout = Defaults.LISTENER_IDLE_TIMEOUT;
            Section timeouts = s.section("timeouts");
            if (timeouts != null) {
                headerTimeout = positive(timeouts, "header", Defaults.LISTENER_HEADER_TIMEOUT);
                idleTimeout = positive(timeouts, "idle", Defaults.LISTENER_IDLE_TIMEOUT);
                timeouts.rejectUnknownKeys();
            }
            int headerSize = Defaults.MAX_HEADER_SIZE;
            int uriLength = Defaults.MAX_URI_LENGTH;
            Section limits = s.section("limits");
            if (limits != null) {
                headerSize = size(limits, "header-size", Defaults.MAX_HEADER_SIZE, 1024, 1 << 20);
                uriLength = size(limits, "uri-length", Defaults.MAX_URI_LENGTH, 256, 1 << 20);
                limits.rejectUnknownKeys();
            }
            List<RouteConfig> routes = new ArrayList<>();
            List<YamlNode> routeNodes = s.list("routes", false);
            for (int i = 0; i < routeNodes.size(); i++) {
                Section r = Section.of(routeNodes.get(i), path + ".routes[" + i + "]", problems);
                if (r == null) {
                    continue;
                }
                String host = r.string("host", null, false);
                String prefix = r.string("path-prefix", null, false);
                String routePool = r.string("pool", null, true);
                if (host == null && prefix == null) {
                    r.problem(null, "a route needs 'host', 'path-prefix' or both");
                }
                if (prefix != null && !prefix.startsWith("/")) {
                    r.problem("path-prefix", "'" + prefix + "' must start with /");
                }
                r.rejectUnknownKeys();
                routes.add(new RouteConfig(host == null ? null : Units.lower(host), prefix, routePool));
            }
            s.rejectUnknownKeys();
            return new ListenerConfig(name, bind, pool, headerTimeout, idleTimeout, headerSize, uriLength, routes);
        }

        private AdminConfig admin(Section s) {
            if (s == null) {
                return new AdminConfig(HostPort.parse(Defaults.ADMIN_BIND), null);
            }
            HostPort bind = s.parsed("bind", HostPort.parse(Defaults.ADMIN_BIND), false, HostPort::parse);
            String tokenFile = s.string("token-file", null, false);
            s.rejectUnknownKeys();
            return new AdminConfig(bind, tokenFile);
        }

        private PoolConfig pool(String name, YamlNode node, String path) {
            Section s = Section.of(node, path, problems);
            if (s == null) {
                return null;
            }
            StrategyName strategy = s.parsed("strategy", Defaults.STRATEGY, false, text -> {
                StrategyName found = StrategyName.fromConfig(text);
                if (found == null) {
                    String hint = Suggestions.closest(text, StrategyName.configNames());
                    throw new IllegalArgumentException("'" + text + "' is not a strategy; "
                            + (hint != null ? "did you mean '" + hint + "'? " : "")
                            + "expected one of " + String.join(", ", StrategyName.configNames()));
                }
                return found;
            });
            HashOn hashOn = s.parsed("hash-on", null, false, HashOn::parse);
            if (hashOn != null && strategy != StrategyName.CONSISTENT_HASH) {
                s.problem("hash-on", "only applies to strategy: consistent-hash (this pool uses "
                        + strategy.configName() + ")");
            }
            if (hashOn == null && strategy == StrategyName.CONSISTENT_HASH) {
                hashOn = new HashOn(HashOn.Source.SOURCE_IP, null);
            }
            List<BackendConfig> backends = new ArrayList<>();
            Map<HostPort, Integer> seen = new HashMap<>();
            List<YamlNode> backendNodes = s.list("backends", true);
            if (s.has("backends") && backendNodes.isEmpty() && s.node("backends") instanceof YamlNode.ListNode) {
                s.problem("backends", "needs at least one backend");
            }
            for (int i = 0; i < backendNodes.size(); i++) {
                String bpath = path + ".backends[" + i + "]";
                Section b = Section.of(backendNodes.get(i), bpath, problems);
                if (b == null) {
                    continue;
                }
                HostPort address = b.parsed("address", null, true, HostPort::parse);
                int weight = b.integer("weight", Defaults.WEIGHT, 0, Defaults.MAX_WEIGHT);
                boolean backup = b.bool("backup", false);
                b.rejectUnknownKeys();
                if (address == null) {
                    continue;
                }
                if (address.isWildcard()) {
                    b.problem("address", "a backend needs a concrete host, not *");
                }
                Integer first = seen.putIfAbsent(address, i);
                if (first != null) {
                    b.problem("address", address + " is already backends[" + first + "] of this pool");
                }
                backends.add(new BackendConfig(address, weight, backup));
            }
            if (!backends.isEmpty() && backends.stream().allMatch(BackendConfig::backup)) {
                s.problem("backends", "every backend is a backup; a pool needs at least one primary backend");
            }
            HealthConfig health = health(s.section("health"));
            Duration connect = Defaults.CONNECT_TIMEOUT;
            Duration response = Defaults.RESPONSE_TIMEOUT;
            Duration idle = Defaults.POOL_IDLE_TIMEOUT;
            Section timeouts = s.section("timeouts");
            if (timeouts != null) {
                connect = positive(timeouts, "connect", Defaults.CONNECT_TIMEOUT);
                response = positive(timeouts, "response", Defaults.RESPONSE_TIMEOUT);
                idle = positive(timeouts, "idle", Defaults.POOL_IDLE_TIMEOUT);
                timeouts.rejectUnknownKeys();
            }
            int retries = s.integer("retries", Defaults.RETRIES, 0, 10);
            Duration slowStart = s.duration("slow-start", Defaults.SLOW_START);
            StickyConfig sticky = null;
            Section st = s.section("sticky");
            if (st != null) {
                String cookie = st.string("cookie", null, true);
                st.rejectUnknownKeys();
                if (cookie != null && !cookie.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    st.problem("cookie", "'" + cookie + "' is not a valid cookie name");
                }
                sticky = cookie == null ? null : new StickyConfig(cookie);
            }
            s.rejectUnknownKeys();
            return new PoolConfig(name, strategy, Optional.ofNullable(hashOn), backends, Optional.ofNullable(health),
                    connect, response, idle, retries, slowStart, Optional.ofNullable(sticky));
        }

        private HealthConfig health(Section s) {
            if (s == null) {
                return null;
            }
            String path = s.string("path", Defaults.HEALTH_PATH, false);
            if (!path.startsWith("/")) {
                s.problem("path", "'" + path + "' must start with /");
            }
            Duration interval = positive(s, "interval", Defaults.HEALTH_INTERVAL);
            Duration timeout = positive(s, "timeout", Defaults.HEALTH_TIMEOUT);
            int rise = s.integer("rise", Defaults.HEALTH_RISE, 1, 100);
            int fall = s.integer("fall", Defaults.HEALTH_FALL, 1, 100);
            StatusRanges expect = s.parsed("expect-status", StatusRanges.parse(Defaults.HEALTH_EXPECT_STATUS), false,
                    StatusRanges::parse);
            s.rejectUnknownKeys();
            return new HealthConfig(path, interval, timeout, rise, fall, expect);
        }

        private FailoverConfig failover(Section s) {
            if (s == null) {
                return null;
            }
            String node = s.string("node", null, true);
            int priority = s.integer("priority", Defaults.FAILOVER_PRIORITY, 1, 254);
            HostPort bind = s.parsed("bind", null, true, HostPort::parse);
            HostPort peer = s.parsed("peer", null, true, HostPort::parse);
            Duration advert = s.duration("advert-interval", Defaults.ADVERT_INTERVAL);
            if (advert.compareTo(Defaults.MIN_ADVERT_INTERVAL) < 0) {
                s.problem("advert-interval", Units.format(advert) + " is too short; expected at least "
                        + Units.format(Defaults.MIN_ADVERT_INTERVAL));
            }
            String keyFile = s.string("auth-key-file", null, true);
            if (keyFile != null && !Files.isReadable(Path.of(keyFile))) {
                s.problem("auth-key-file", "cannot read " + keyFile + "; expected a file with 64 hex characters "
                        + "(openssl rand -hex 32)");
            }
            boolean preempt = s.bool("preempt", Defaults.PREEMPT);
            List<FailoverConfig.VipConfig> vips = new ArrayList<>();
            List<YamlNode> vipNodes = s.list("vip", false);
            for (int i = 0; i < vipNodes.size(); i++) {
                Section v = Section.of(vipNodes.get(i), s.child("vip[" + i + "]"), problems);
                if (v == null) {
                    continue;
                }
                String address = v.string("address", null, true);
                String iface = v.string("interface", null, true);
                if (address != null && !address.matches("[0-9a-fA-F:.]+/\\d{1,3}")) {
                    v.problem("address", "'" + address + "' is not an address with prefix; expected e.g. 10.0.0.100/24");
                }
                v.rejectUnknownKeys();
                vips.add(new FailoverConfig.VipConfig(address, iface));
            }
            String notify = s.string("notify", null, false);
            s.rejectUnknownKeys();
            return new FailoverConfig(node, priority, bind, peer, advert, keyFile, preempt, vips, notify);
        }

        private void checkReferences(List<ListenerConfig> listeners, List<Mark> marks,
                                     Map<String, PoolConfig> pools, boolean poolsValid) {
            Map<HostPort, Integer> binds = new HashMap<>();
            for (int i = 0; i < listeners.size(); i++) {
                ListenerConfig l = listeners.get(i);
                String path = "listeners[" + i + "]";
                if (l.bind() != null) {
                    Integer first = binds.putIfAbsent(l.bind(), i);
                    if (first != null) {
                        problems.add(new Problem(marks.get(i), path + ".bind", l.bind()
                                + " is already the bind of listeners[" + first + "]"));
                    }
                }
                if (!poolsValid) {
                    continue;
                }
                if (l.pool() != null && !pools.containsKey(l.pool())) {
                    problems.add(new Problem(marks.get(i), path + ".pool", unknownPool(l.pool(), pools)));
                }
                for (int r = 0; r < l.routes().size(); r++) {
                    String rp = l.routes().get(r).pool();
                    if (rp != null && !pools.containsKey(rp)) {
                        problems.add(new Problem(marks.get(i), path + ".routes[" + r + "].pool", unknownPool(rp, pools)));
                    }
                }
            }
        }

        private static String unknownPool(String name, Map<String, PoolConfig> pools) {
            String hint = Suggestions.closest(name, pools.keySet());
            return "no pool named '" + name + "'" + (hint != null ? "; did you mean '" + hint + "'?"
                    : "; pools are " + String.join(", ", pools.keySet()));
        }

        private static Duration positive(Section s, String key, Duration dflt) {
            Duration d = s.duration(key, dflt);
            if (d.isZero()) {
                s.problem(key, "must be greater than 0");
                return dflt;
            }
            return d;
        }

        private static int size(Section s, String key, int dflt, int min, int max) {
            long bytes = s.parsed(key, (long) dflt, false, Units::parseSize);
            if (bytes < min || bytes > max) {
                s.problem(key, bytes + " bytes is out of range; expected " + min + "B-" + (max >> 10) + "KiB");
                return dflt;
            }
            return (int) bytes;
        }
    }
}
