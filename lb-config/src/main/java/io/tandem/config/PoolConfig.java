package io.tandem.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pool of backends and how requests are spread over them.
 *
 * @param hashOn    the key of {@code consistent-hash}, absent otherwise
 * @param health    active health checks, absent for passive-only pools
 * @param retries   how many other backends a request may be retried on
 * @param slowStart ramp time of a backend that comes back, zero for none
 * @param sticky    sticky-session cookie, absent when not sticky
 * @param outlier   passive health checks; always present, {@link OutlierConfig#DEFAULT} unless set
 * @param proxyProtocol the PROXY protocol header sent at the start of each backend connection (and
 *                  health check), absent for none
 * @param tls       HTTPS to the backends, absent for plain HTTP
 * @param closeOnDownAfter {@code on-down.close-connections-after}: how long after a backend fails its
 *                  checks its open TCP sessions are closed; absent to let them run on
 * @param discovery the {@code dns:} and {@code dns-srv:} entries of {@code backends}, whose answers
 *                  become backends at runtime ({@code backends} holds the entries with an address)
 */
public record PoolConfig(
        String name,
        StrategyName strategy,
        Optional<HashOn> hashOn,
        List<BackendConfig> backends,
        Optional<HealthConfig> health,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration idleTimeout,
        int retries,
        Duration slowStart,
        Optional<StickyConfig> sticky,
        OutlierConfig outlier,
        Optional<ProxyProtocolVersion> proxyProtocol,
        Optional<BackendTlsConfig> tls,
        Map<Integer, ErrorPage> errorPages,
        Optional<Duration> closeOnDownAfter,
        List<DnsBackendConfig> discovery,
        BackendProtocol protocol) {

    /** What a pool speaks to its backends. */
    public enum BackendProtocol {
        /** HTTP/1.1 with keep-alive: one request per connection at a time. */
        HTTP_1_1("http/1.1"),
        /** HTTP/2 in the clear, by prior knowledge: a stream per request, many on one connection. */
        H2C("h2c"),
        /** HTTP/2 over the pool's {@code tls}, chosen by ALPN (only {@code h2} is offered): as {@link #H2C} otherwise. */
        H2("h2");

        private final String configName;

        BackendProtocol(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static java.util.List<String> configNames() {
            return java.util.List.of(HTTP_1_1.configName, H2C.configName, H2.configName);
        }

        public static BackendProtocol fromConfig(String name) {
            return H2C.configName.equals(name) ? H2C : H2.configName.equals(name) ? H2 : HTTP_1_1;
        }

        /** Whether requests go to the backends as HTTP/2 streams ({@code h2c} or {@code h2}). */
        public boolean http2() {
            return this != HTTP_1_1;
        }
    }


    public PoolConfig {
        backends = List.copyOf(backends);
        discovery = List.copyOf(discovery);
        errorPages = Map.copyOf(errorPages);
    }

    /**
     * This pool with other backends (runtime ones merged in). Uses the canonical constructor on
     * purpose: a component added to this record must be carried here too, or this does not compile.
     */
    public PoolConfig withBackends(List<BackendConfig> otherBackends) {
        return new PoolConfig(name, strategy, hashOn, otherBackends, health, connectTimeout, responseTimeout,
                idleTimeout, retries, slowStart, sticky, outlier, proxyProtocol, tls, errorPages, closeOnDownAfter,
                discovery, protocol);
    }

    /** A pool whose backends are all named by address (no DNS discovery), speaking HTTP/1.1 to them. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls, Map<Integer, ErrorPage> errorPages,
                      Optional<Duration> closeOnDownAfter) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, errorPages, closeOnDownAfter, List.of(),
                BackendProtocol.HTTP_1_1);
    }

    /** A pool speaking HTTP/1.1 to its backends, as before {@code protocol}. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls, Map<Integer, ErrorPage> errorPages,
                      Optional<Duration> closeOnDownAfter, List<DnsBackendConfig> discovery) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, errorPages, closeOnDownAfter, discovery,
                BackendProtocol.HTTP_1_1);
    }

    /** A pool without DNS discovery. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls, Map<Integer, ErrorPage> errorPages,
                      Optional<Duration> closeOnDownAfter, BackendProtocol protocol) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, errorPages, closeOnDownAfter, List.of(), protocol);
    }

    /** A pool that leaves established connections alone when a backend goes down, as before {@code on-down}. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls, Map<Integer, ErrorPage> errorPages) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, errorPages, Optional.empty());
    }

    /** A pool with the built-in error answers, as before error pages existed. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls, Optional<Duration> closeOnDownAfter) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, Map.of(), closeOnDownAfter);
    }

    /** A pool as before error pages and {@code on-down} existed. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier, Optional<ProxyProtocolVersion> proxyProtocol,
                      Optional<BackendTlsConfig> tls) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, proxyProtocol, tls, Map.of());
    }

    /** A pool with default outlier detection. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, OutlierConfig.DEFAULT);
    }

    /** A pool that sends no PROXY protocol header and speaks plain HTTP to its backends. */
    public PoolConfig(String name, StrategyName strategy, Optional<HashOn> hashOn, List<BackendConfig> backends,
                      Optional<HealthConfig> health, Duration connectTimeout, Duration responseTimeout,
                      Duration idleTimeout, int retries, Duration slowStart, Optional<StickyConfig> sticky,
                      OutlierConfig outlier) {
        this(name, strategy, hashOn, backends, health, connectTimeout, responseTimeout, idleTimeout, retries,
                slowStart, sticky, outlier, Optional.empty(), Optional.empty());
    }
}
