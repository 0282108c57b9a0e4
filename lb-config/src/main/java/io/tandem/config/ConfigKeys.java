package io.tandem.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The config format as data: every key, what it holds, its range and its
 * default (taken from {@link Defaults}). {@link ConfigLoader} binds files
 * against these shapes and rejects every key not registered here; the tests
 * walk the same shapes to keep docs/tandem.schema.json and
 * docs/configuration.md in step. Immutable constants.
 */
final class ConfigKeys {

    private static final Duration ZERO = Duration.ZERO;
    private static final Duration ONE_MS = Duration.ofMillis(1);

    static final Shape LISTENER_TIMEOUTS = Shape.of("timeout")
            .duration("header", Defaults.LISTENER_HEADER_TIMEOUT, ONE_MS)
            .duration("idle", Defaults.LISTENER_IDLE_TIMEOUT, ONE_MS)
            .build();

    static final Shape LIMITS = Shape.of("limit")
            .size("header-size", Defaults.MAX_HEADER_SIZE, 1024, 1 << 20)
            .size("uri-length", Defaults.MAX_URI_LENGTH, 256, 1 << 20)
            .integer("connections", 0, 0, 10_000_000)
            .integer("tracked-clients", Defaults.TRACKED_CLIENTS, 16, 10_000_000)
            .build();

    static final Shape ROUTE_LIMITS = Shape.of("limit")
            .size("body", 0, 0, 1L << 40)
            .string("rate", false, null)
            .integer("connections", 0, 0, 1_000_000)
            .build();

    static final Shape PATH_MATCH = Shape.of("path condition")
            .string("exact", false, null)
            .string("prefix", false, null)
            .string("regex", false, null)
            .build();

    static final Shape HEADER_MATCH = field("header condition");

    static final Shape QUERY_MATCH = field("query condition");

    static final Shape MATCH = Shape.of("match")
            .string("host", false, null)
            .nested("path", PATH_MATCH)
            .stringList("method")
            .listOf("headers", HEADER_MATCH, false, 1)
            .listOf("query", QUERY_MATCH, false, 1)
            .cidrList("source")
            .build();

    static final Shape REPLACE_PREFIX = Shape.of("prefix replacement")
            .string("from", true, null)
            .string("to", true, null)
            .build();

    static final Shape HEADER_EDIT = Shape.of("header edit")
            .string("set", false, null)
            .string("add", false, null)
            .string("remove", false, null)
            .string("value", false, null)
            .build();

    static final Shape REWRITE = Shape.of("rewrite")
            .string("strip-prefix", false, null)
            .nested("replace-prefix", REPLACE_PREFIX)
            .listOf("request-headers", HEADER_EDIT, false, 1)
            .listOf("response-headers", HEADER_EDIT, false, 1)
            .build();

    static final Shape REDIRECT = Shape.of("redirect")
            .choice("status", "a redirect status", "302", List.of("301", "302", "307", "308"))
            .string("location", true, null)
            .build();

    static final Shape RESPOND = Shape.of("respond")
            .integer("status", 200, 200, 599)
            .string("content-type", false, Defaults.RESPOND_CONTENT_TYPE)
            .string("body", false, null)
            .build();

    static final Shape LISTENER_ACCESS = Shape.of("access")
            .cidrList("allow")
            .cidrList("deny")
            .build();

    static final Shape ROUTE_ACCESS = Shape.of("access")
            .cidrList("allow")
            .cidrList("deny")
            .file("basic-auth", false)
            .string("realm", false, Defaults.BASIC_AUTH_REALM)
            .build();

    static final Shape ROUTE = Shape.of("route")
            .string("host", false, null)
            .string("path-prefix", false, null)
            .nested("match", MATCH)
            .string("pool", false, null)
            .nested("rewrite", REWRITE)
            .nested("redirect", REDIRECT)
            .nested("respond", RESPOND)
            .nested("access", ROUTE_ACCESS)
            .nested("limits", ROUTE_LIMITS)
            .string("cache", false, null)
            .stringList("cache-ignore-cookies")
            .build();

    static final Shape SYSLOG = Shape.of("syslog")
            .address("address", true, null)
            .choice("transport", "a syslog transport", Defaults.SYSLOG_TRANSPORT.configName(),
                    SyslogConfig.Transport.configNames())
            .choice("facility", "a syslog facility", Defaults.SYSLOG_FACILITY.configName(),
                    SyslogConfig.Facility.configNames())
            .string("app-name", false, Defaults.SYSLOG_APP_NAME)
            .build();

    static final Shape ACCESS_LOG = Shape.of("access-log")
            .bool("enabled", Defaults.ACCESS_LOG_ENABLED)
            .choice("format", "an access log format", Defaults.ACCESS_LOG_FORMAT.configName(),
                    names(AccessLogConfig.Format.values(), AccessLogConfig.Format::configName))
            .string("template", false, null)
            .nested("syslog", SYSLOG)
            .build();

    static final Shape PROXY_PROTOCOL = Shape.of("proxy-protocol")
            .bool("accept", false)
            .cidrList("from")
            .build();

    static final Shape TLS_CERTIFICATE = Shape.of("certificate")
            .file("cert", true)
            .file("key", true)
            .file("ocsp", false)
            .build();

    static final Shape LISTENER_TLS = Shape.of("tls")
            .listOf("certificates", TLS_CERTIFICATE, true, 1)
            .bool("strict-sni", Defaults.TLS_STRICT_SNI)
            .choice("min-version", "a TLS version", Defaults.TLS_MIN_VERSION.configName(),
                    names(ListenerTlsConfig.TlsVersion.values(), ListenerTlsConfig.TlsVersion::configName))
            .string("ciphers", false, Defaults.TLS_CIPHERS)
            .file("client-ca", false)
            .choice("client-auth", "a client-auth mode", Defaults.TLS_CLIENT_AUTH, List.of("required", "optional"))
            .string("client-cert-header", false, Defaults.TLS_CLIENT_CERT_HEADER)
            .file("ticket-keys", false)
            .build();

    static final Shape REDIRECT_HTTP = Shape.of("redirect-http")
            .address("from", true, null)
            .build();

    static final Shape SNI_ROUTE = Shape.of("SNI route")
            .string("sni", true, null)
            .string("pool", true, null)
            .build();

    static final Shape HTTP2 = Shape.of("http2")
            .integer("max-concurrent-streams", Defaults.H2_MAX_CONCURRENT_STREAMS, 1, 10_000)
            .size("max-header-list-size", Defaults.H2_MAX_HEADER_LIST_SIZE, 1024, 1 << 20)
            .size("max-frame-size", Defaults.H2_MAX_FRAME_SIZE, 16 * 1024, (1 << 24) - 1)
            .size("initial-window-size", Defaults.H2_INITIAL_WINDOW_SIZE, 1024, Integer.MAX_VALUE)
            .size("connection-window-size", Defaults.H2_CONNECTION_WINDOW_SIZE, 64 * 1024, Integer.MAX_VALUE)
            .integer("max-resets", Defaults.H2_MAX_RESETS, 1, 1_000_000)
            .duration("reset-window", Defaults.H2_RESET_WINDOW, Duration.ofSeconds(1))
            .integer("max-control-frames", Defaults.H2_MAX_CONTROL_FRAMES, 1, 1_000_000)
            .duration("stall-timeout", Defaults.H2_STALL_TIMEOUT, Duration.ofSeconds(1))
            .build();

    static final Shape LISTENER = Shape.of("listener")
            .string("name", false, null)
            .address("bind", true, null)
            .string("pool", true, null)
            .nested("timeouts", LISTENER_TIMEOUTS)
            .nested("limits", LIMITS)
            .listOf("routes", ROUTE, false, 0)
            .nested("access-log", ACCESS_LOG)
            .nested("proxy-protocol", PROXY_PROTOCOL)
            .nested("tls", LISTENER_TLS)
            .nested("redirect-http", REDIRECT_HTTP)
            .string("hsts", false, null)
            .nested("access", LISTENER_ACCESS)
            .choice("mode", "a listener mode", ListenerMode.HTTP.configName(), ListenerMode.configNames())
            .listOf("sni-routes", SNI_ROUTE, false, 0)
            .string("cache", false, null)
            .stringList("protocols")
            .nested("http2", HTTP2)
            .build();

    static final Shape ADMIN = Shape.of("admin")
            .address("bind", false, HostPort.parse(Defaults.ADMIN_BIND))
            .file("token-file", false)
            .build();

    static final Shape DNS_TTL = Shape.of("TTL bound")
            .duration("min", Defaults.DNS_TTL_MIN, Duration.ofMillis(100))
            .duration("max", Defaults.DNS_TTL_MAX, Duration.ofMillis(100))
            .build();

    /** One server ({@code address}), or a DNS name whose answer gives the servers ({@code dns}, {@code dns-srv}). */
    static final Shape BACKEND = Shape.of("backend")
            .address("address", false, null)
            .integer("weight", Defaults.WEIGHT, Defaults.MIN_WEIGHT, Defaults.MAX_WEIGHT)
            .bool("backup", false)
            .address("dns", false, null)
            .string("dns-srv", false, null)
            .nested("ttl", DNS_TTL)
            .duration("hold", Defaults.DNS_HOLD, ZERO)
            .build();

    static final Shape HEALTH = Shape.of("health check")
            .choice("type", "a health check type", Defaults.HEALTH_TYPE.configName(),
                    names(HealthConfig.Type.values(), HealthConfig.Type::configName))
            .string("path", false, Defaults.HEALTH_PATH)
            .choice("method", "a health check method", Defaults.HEALTH_METHOD, HealthConfig.METHODS)
            .string("host", false, null)
            .duration("interval", Defaults.HEALTH_INTERVAL, ONE_MS)
            .duration("down-interval", null, ONE_MS)
            .duration("timeout", Defaults.HEALTH_TIMEOUT, ONE_MS)
            .integer("rise", Defaults.HEALTH_RISE, 1, 100)
            .integer("fall", Defaults.HEALTH_FALL, 1, 100)
            .statusRanges("expect-status", StatusRanges.parse(Defaults.HEALTH_EXPECT_STATUS))
            .string("expect-body", false, null)
            .choice("initial-state", "an initial state", Defaults.HEALTH_INITIAL_STATE.configName(),
                    names(HealthConfig.InitialState.values(), HealthConfig.InitialState::configName))
            .string("send", false, null)
            .string("expect", false, null)
            .string("expect-regex", false, null)
            .choice("role", "a Redis role", null, List.of("master", "replica"))
            .string("user", false, null)
            .string("database", false, null)
            .string("service", false, null)
            .build();

    static final Shape POOL_TIMEOUTS = Shape.of("timeout")
            .duration("connect", Defaults.CONNECT_TIMEOUT, ONE_MS)
            .duration("response", Defaults.RESPONSE_TIMEOUT, ONE_MS)
            .duration("idle", Defaults.POOL_IDLE_TIMEOUT, ONE_MS)
            .build();

    static final Shape STICKY = Shape.of("sticky")
            .string("cookie", true, null)
            .build();

    static final Shape OUTLIER = Shape.of("outlier")
            .integer("consecutive-failures", Defaults.OUTLIER_CONSECUTIVE_FAILURES, 0, 1000)
            .integer("consecutive-5xx", Defaults.OUTLIER_CONSECUTIVE_5XX, 0, 1000)
            .duration("ejection-time", Defaults.OUTLIER_EJECTION_TIME, ONE_MS)
            .duration("max-ejection-time", Defaults.OUTLIER_MAX_EJECTION_TIME, ONE_MS)
            .integer("max-ejected-percent", Defaults.OUTLIER_MAX_EJECTED_PERCENT, 0, 100)
            .build();

    static final Shape BACKEND_TLS = Shape.of("backend TLS")
            .file("ca", false)
            .bool("verify", Defaults.BACKEND_TLS_VERIFY)
            .string("sni", false, null)
            .file("cert", false)
            .file("key", false)
            .build();

    static final Shape ERROR_PAGES = Shape.of("error page")
            .file("502", false)
            .file("503", false)
            .file("504", false)
            .build();

    static final Shape ON_DOWN = Shape.of("on-down")
            .duration("close-connections-after", null, ZERO)
            .build();

    static final Shape POOL = Shape.of("pool")
            .choice("strategy", "a strategy", Defaults.STRATEGY.configName(), StrategyName.configNames())
            .hashOn("hash-on")
            .listOf("backends", BACKEND, true, 1)
            .nested("health", HEALTH)
            .nested("timeouts", POOL_TIMEOUTS)
            .integer("retries", Defaults.RETRIES, 0, Defaults.MAX_RETRIES)
            .duration("slow-start", Defaults.SLOW_START, ZERO)
            .nested("sticky", STICKY)
            .nested("outlier", OUTLIER)
            .choice("proxy-protocol", "a PROXY protocol version", null, ProxyProtocolVersion.configNames())
            .nested("tls", BACKEND_TLS)
            .nested("error-pages", ERROR_PAGES)
            .nested("on-down", ON_DOWN)
            .choice("protocol", "a backend protocol", PoolConfig.BackendProtocol.HTTP_1_1.configName(),
                    PoolConfig.BackendProtocol.configNames())
            .build();

    static final Shape TRACK = Shape.of("track")
            .bool("no-backend-up", Defaults.TRACK_NO_BACKEND_UP)
            .bool("listener-failed", Defaults.TRACK_LISTENER_FAILED)
            .build();

    static final Shape WARM_UP = Shape.of("warm-up")
            .integer("requests", Defaults.WARM_UP_REQUESTS, 0, Defaults.MAX_WARM_UP_REQUESTS)
            .duration("interval", Defaults.WARM_UP_INTERVAL, ZERO)
            .build();

    static final Shape VIP = Shape.of("vip")
            .string("address", true, null)
            .string("interface", true, null)
            .build();

    static final Shape FAILOVER = Shape.of("failover")
            .choice("mode", "a failover mode", FailoverMode.PAIR.configName(), FailoverMode.configNames())
            .string("node", true, null)
            .integer("cluster-id", Defaults.FAILOVER_CLUSTER_ID, 1, 255)
            .integer("priority", Defaults.FAILOVER_PRIORITY, 1, 254)
            .address("bind", false, null)
            .address("peer", false, null)
            .address("multicast", false, null)
            .duration("advert-interval", Defaults.ADVERT_INTERVAL, Defaults.MIN_ADVERT_INTERVAL)
            .file("auth-key-file", false)
            .bool("preempt", Defaults.PREEMPT)
            .duration("preempt-delay", Defaults.PREEMPT_DELAY, ZERO)
            .nested("track", TRACK)
            .nested("warm-up", WARM_UP)
            .listOf("vip", VIP, false, 0)
            .file("notify", false)
            .bool("state-sync", false)
            .build();

    static final Shape ANNOUNCE_DAEMON = Shape.of("daemon")
            .choice("type", "a routing daemon", null, AnnounceConfig.DaemonType.configNames())
            .string("command", false, null)
            .address("api", false, HostPort.parse(Defaults.GOBGP_API))
            .string("asn", false, null)
            .string("pathspace", false, null)
            .string("include", false, Defaults.BIRD_INCLUDE)
            .string("socket", false, Defaults.BIRD_SOCKET)
            .build();

    static final Shape ANNOUNCE = Shape.of("announce")
            .stringList("vips")
            .string("interface", false, Defaults.ANNOUNCE_INTERFACE)
            .nested("daemon", ANNOUNCE_DAEMON)
            .string("next-hop", false, Defaults.ANNOUNCE_NEXT_HOP)
            .stringList("communities")
            .duration("withdraw-wait", Defaults.ANNOUNCE_WITHDRAW_WAIT, ZERO)
            .duration("check-interval", Defaults.ANNOUNCE_CHECK_INTERVAL, Duration.ofMillis(50))
            .build();

    static final Shape CACHE_SHARED = Shape.of("shared tier")
            .stringList("memcached")
            .build();

    static final Shape CACHE = Shape.of("cache")
            .size("memory", Defaults.CACHE_MEMORY, 1L << 20, 1L << 40)
            .size("max-object", Defaults.CACHE_MAX_OBJECT, 1, 1L << 32)
            .duration("default-ttl", Defaults.CACHE_DEFAULT_TTL, ZERO)
            .duration("grace", Defaults.CACHE_GRACE, ZERO)
            .duration("stale-if-error", Defaults.CACHE_STALE_IF_ERROR, ZERO)
            .stringList("ignore-cookies")
            .bool("x-cache", true)
            .duration("coalesce-wait", Defaults.CACHE_COALESCE_WAIT, ONE_MS)
            .duration("hit-for-miss", Defaults.CACHE_HIT_FOR_MISS, ZERO)
            .bool("esi", false)
            .nested("shared", CACHE_SHARED)
            .build();

    static final Shape ROOT = Shape.of("top-level")
            .listOf("listeners", LISTENER, true, 1)
            .nested("admin", ADMIN)
            .namedMapOf("pools", POOL, true, 1)
            .nested("failover", FAILOVER)
            .duration("shutdown-timeout", Defaults.SHUTDOWN_TIMEOUT, ZERO)
            .nested("announce", ANNOUNCE)
            .stringList("resolvers")
            .namedMapOf("caches", CACHE, false, 0)
            .build();

    private ConfigKeys() {}

    /** A header or query parameter condition: a name, and at most one of a value or a regex. */
    private static Shape field(String noun) {
        return Shape.of(noun)
                .string("name", true, null)
                .string("equals", false, null)
                .string("regex", false, null)
                .build();
    }

    private static <E> List<String> names(E[] values, Function<E, String> name) {
        return Arrays.stream(values).map(name).collect(Collectors.toList());
    }
}
