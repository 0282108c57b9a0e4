package io.tandem.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One {@code tandem.yaml} as the tests write it (the format of docs/configuration.md): listeners, the
 * admin server, pools with their backends, an optional failover section and raw extra lines for a key
 * the builder does not know or a deliberately broken file. Mutable, so a test changes it and writes it
 * again for a reload; {@link #render()} gives the text.
 *
 * <p>A listener or admin server without an explicit bind gets a free loopback port, chosen the first
 * time it is asked for ({@link #port}, {@link #adminPort}) or rendered. The layout is fixed: listeners
 * one per line, {@code admin} on line 3 when there is one listener, each pool key on its own line and
 * backends last, one per line; tests that assert positions of problems rely on it.
 */
final class TandemConfig {

    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Map<String, Pool> pools = new LinkedHashMap<>();
    private final Map<String, String> admin = new LinkedHashMap<>();
    private final Map<String, String> topLevel = new LinkedHashMap<>();
    private Failover failover;
    private String raw = "";
    private String adminHost = "127.0.0.1";
    private int adminPort;

    /** Adds listener {@code name} on a free loopback port, sending everything to {@code pool}. */
    TandemConfig listener(String name, String pool) {
        return listener(name, pool, l -> { });
    }

    /** Adds (or changes) listener {@code name}; {@code settings} sets its other keys. */
    TandemConfig listener(String name, String pool, Consumer<Listener> settings) {
        Listener l = listeners.computeIfAbsent(name, Listener::new);
        l.pool = pool;
        settings.accept(l);
        return this;
    }

    Listener listener(String name) {
        Listener l = listeners.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no listener " + name + " in this config");
        }
        return l;
    }

    TandemConfig removeListener(String name) {
        listener(name);
        listeners.remove(name);
        return this;
    }

    /** The port of listener {@code name} (a free one is chosen now when it has none yet). */
    int port(String name) {
        return listener(name).port();
    }

    /** Adds (or changes) pool {@code name}. */
    TandemConfig pool(String name, Consumer<Pool> settings) {
        settings.accept(pool(name));
        return this;
    }

    /** Pool {@code name}, made empty when it does not exist yet. */
    Pool pool(String name) {
        return pools.computeIfAbsent(name, Pool::new);
    }

    /** Where the admin server binds, e.g. {@code 0.0.0.0} and 9901 in a container. */
    TandemConfig adminBind(String host, int port) {
        adminHost = host;
        adminPort = port;
        return this;
    }

    /** A key of the admin section besides {@code bind}, e.g. {@code token-file}. */
    TandemConfig admin(String key, Object value) {
        admin.put(key, scalar(value));
        return this;
    }

    int adminPort() {
        if (adminPort == 0) {
            adminPort = Ports.free();
        }
        return adminPort;
    }

    /** The host clients reach the admin server at: a wildcard bind is reached on loopback. */
    String adminHost() {
        return adminHost.equals("0.0.0.0") || adminHost.equals("*") || adminHost.equals("[::]")
                ? "127.0.0.1" : adminHost;
    }

    /** A top-level key, e.g. {@code shutdown-timeout}. */
    TandemConfig set(String key, Object value) {
        topLevel.put(key, scalar(value));
        return this;
    }

    /** Adds (or changes) the failover section. */
    TandemConfig failover(Consumer<Failover> settings) {
        settings.accept(failover());
        return this;
    }

    Failover failover() {
        if (failover == null) {
            failover = new Failover();
        }
        return failover;
    }

    /** YAML lines written as they are after everything else (a key the builder does not know, or garbage). */
    TandemConfig raw(String lines) {
        raw = lines.endsWith("\n") || lines.isEmpty() ? lines : lines + "\n";
        return this;
    }

    String render() {
        StringBuilder y = new StringBuilder("listeners:\n");
        for (Listener l : listeners.values()) {
            y.append("  - { name: ").append(l.name).append(", bind: ").append(scalar(l.bind()))
                    .append(", pool: ").append(l.pool);
            l.keys.forEach((k, v) -> y.append(", ").append(k).append(": ").append(v));
            if (!l.routes.isEmpty()) {
                y.append(", routes: [ ").append(String.join(", ", l.routes)).append(" ]");
            }
            y.append(" }\n");
        }
        y.append("admin: { bind: ").append(scalar(adminHost + ":" + adminPort()));
        admin.forEach((k, v) -> y.append(", ").append(k).append(": ").append(v));
        y.append(" }\n");
        topLevel.forEach((k, v) -> y.append(k).append(": ").append(v).append('\n'));
        y.append("pools:\n");
        for (Pool p : pools.values()) {
            y.append("  ").append(p.name).append(":\n");
            p.keys.forEach((k, v) -> y.append("    ").append(k).append(": ").append(v).append('\n'));
            y.append("    backends:\n");
            for (String b : p.backends) {
                y.append("      - ").append(b).append('\n');
            }
        }
        if (failover != null) {
            y.append("failover:\n");
            failover.keys.forEach((k, v) -> y.append("  ").append(k).append(": ").append(v).append('\n'));
            if (!failover.vips.isEmpty()) {
                y.append("  vip: [ ").append(String.join(", ", failover.vips)).append(" ]\n");
            }
        }
        return y.append(raw).toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./@%+-]+(:[A-Za-z0-9_./@%+-]+)*");

    /** A value as a YAML scalar: as it is when it is plain (a word, a path, host:port), else double-quoted. */
    static String scalar(Object value) {
        String s = String.valueOf(value);
        if (PLAIN.matcher(s).matches()) {
            return s;
        }
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** {@code key: value, ...} in braces, as a flow map; a value that already is one is taken as it is. */
    private static String flow(String map) {
        String m = map.strip();
        return m.startsWith("{") ? m : "{ " + m + " }";
    }

    /** One listener, written on one line. */
    static final class Listener {
        final String name;
        private String pool;
        private String bindHost = "127.0.0.1";
        private int bindPort;
        private String bind;
        private final Map<String, String> keys = new LinkedHashMap<>();
        private final List<String> routes = new ArrayList<>();

        private Listener(String name) {
            this.name = name;
        }

        /** A bind written as it is, e.g. {@code 0.0.0.0:8080} or {@code [::]:8080}. */
        Listener bind(String bind) {
            this.bind = bind;
            return this;
        }

        int port() {
            if (bind != null) {
                return Integer.parseInt(bind.substring(bind.lastIndexOf(':') + 1));
            }
            if (bindPort == 0) {
                bindPort = Ports.free();
            }
            return bindPort;
        }

        private String bind() {
            return bind != null ? bind : bindHost + ":" + port();
        }

        /** e.g. {@code "header: 1s, idle: 30s"}. */
        Listener timeouts(String map) {
            return set("timeouts", flow(map));
        }

        /** e.g. {@code "header-size: 8KiB, uri-length: 1KiB"}. */
        Listener limits(String map) {
            return set("limits", flow(map));
        }

        /** e.g. {@code "enabled: true, format: json"}. */
        Listener accessLog(String map) {
            return set("access-log", flow(map));
        }

        /** A route by path prefix. */
        Listener route(String pathPrefix, String pool) {
            routes.add("{ path-prefix: " + pathPrefix + ", pool: " + pool + " }");
            return this;
        }

        /** A route by host and path prefix. */
        Listener route(String host, String pathPrefix, String pool) {
            routes.add("{ host: " + host + ", path-prefix: " + pathPrefix + ", pool: " + pool + " }");
            return this;
        }

        /** A route written as it is, a flow map: {@code { match: { method: [GET] }, pool: api }}. */
        Listener routeMap(String flowMap) {
            routes.add(flowMap);
            return this;
        }

        /** Any other key, its value written as it is (a flow map or list, or a scalar). */
        Listener set(String key, String value) {
            keys.put(key, value);
            return this;
        }

        /** Leaves {@code key} out again. */
        Listener unset(String key) {
            keys.remove(key);
            return this;
        }
    }

    /** One pool: its keys in the order set, then its backends. */
    static final class Pool {
        final String name;
        private final Map<String, String> keys = new LinkedHashMap<>();
        private final List<String> backends = new ArrayList<>();

        private Pool(String name) {
            this.name = name;
        }

        Pool strategy(String strategy) {
            return set("strategy", strategy);
        }

        /** e.g. {@code "path: /health, interval: 200ms, timeout: 500ms, rise: 2, fall: 3"}. */
        Pool health(String map) {
            return set("health", flow(map));
        }

        /** e.g. {@code "connect: 500ms, response: 2s"}. */
        Pool timeouts(String map) {
            return set("timeouts", flow(map));
        }

        /** e.g. {@code "consecutive-failures: 3, ejection-time: 1s"}. */
        Pool outlier(String map) {
            return set("outlier", flow(map));
        }

        Pool retries(int retries) {
            return set("retries", Integer.toString(retries));
        }

        /** Any other key, its value written as it is. */
        Pool set(String key, String value) {
            keys.put(key, value);
            return this;
        }

        Pool backend(BackendServer backend) {
            return backend(backend.address());
        }

        /** A backend with more keys, e.g. {@code "weight: 3"} or {@code "backup: true"}. */
        Pool backend(BackendServer backend, String keys) {
            return backend(backend.address(), keys);
        }

        Pool backend(String address) {
            backends.add("{ address: " + scalar(address) + " }");
            return this;
        }

        Pool backend(String address, String keys) {
            backends.add("{ address: " + scalar(address) + ", " + keys + " }");
            return this;
        }

        /** A backends entry written as it is, a flow map: {@code { dns: app.test:8080, hold: 1s }}. */
        Pool entry(String flowMap) {
            backends.add(flowMap);
            return this;
        }

        /** Adds these backends in order. */
        Pool backends(BackendServer... servers) {
            for (BackendServer s : servers) {
                backend(s);
            }
            return this;
        }

        /** Drops every backend (to set a new list for a reload). */
        Pool clearBackends() {
            backends.clear();
            return this;
        }
    }

    /** The failover section, one key per line in the order set. */
    static final class Failover {
        private final Map<String, String> keys = new LinkedHashMap<>();
        private final List<String> vips = new ArrayList<>();

        Failover node(String node) {
            return put("node", node);
        }

        Failover priority(int priority) {
            return put("priority", priority);
        }

        Failover bind(String address) {
            return put("bind", address);
        }

        Failover peer(String address) {
            return put("peer", address);
        }

        Failover advertInterval(Duration interval) {
            return put("advert-interval", interval.toMillis() + "ms");
        }

        Failover authKeyFile(Object path) {
            return put("auth-key-file", path);
        }

        Failover preempt(boolean preempt) {
            return put("preempt", preempt);
        }

        Failover preemptDelay(Duration delay) {
            return put("preempt-delay", delay.toMillis() + "ms");
        }

        Failover notify(Object script) {
            return put("notify", script);
        }

        /** A VIP, e.g. {@code 10.0.0.100/24} on {@code eth0}. */
        Failover vip(String address, String iface) {
            vips.add("{ address: " + scalar(address) + ", interface: " + iface + " }");
            return this;
        }

        /** Any other key, its value written as it is (a flow map or list, or a scalar). */
        Failover set(String key, String value) {
            keys.put(key, value);
            return this;
        }

        private Failover put(String key, Object value) {
            keys.put(key, scalar(value));
            return this;
        }
    }
}
