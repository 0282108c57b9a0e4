package io.tandem.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sections of {@code pools}: a pool's strategy and backends (and their
 * DNS entries, see {@link DnsSections}), its active health check, timeouts,
 * retries, slow start, sticky sessions, outlier detection, PROXY protocol,
 * TLS (see {@link TlsSections}), error pages, on-down behaviour and backend
 * protocol. Checks within one pool only; references to pools are checked by
 * the sections that make them.
 */
final class PoolSections {

    private PoolSections() {}

    static PoolConfig pool(Section s) {
        String name = s.name();
        if (!name.matches(ConfigLoader.NAME_CHARS)) {
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

    private static HealthConfig health(Section s) {
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

    private static OutlierConfig outlier(Section s) {
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
}
