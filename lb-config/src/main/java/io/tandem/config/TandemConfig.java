package io.tandem.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated config file: immutable, built once by {@link ConfigLoader}.
 *
 * @param source          the file it was read from (for /status and messages)
 * @param pools           in file order
 * @param failover        the pair settings, absent for a single node
 * @param shutdownTimeout how long in-flight requests may take to finish after SIGTERM
 * @param warnings        what is valid but likely a mistake (a route an earlier one shadows);
 *                        {@code tandem check} prints these and still exits 0
 * @param caches          the HTTP caches listeners and routes may name, in file order
 */
public record TandemConfig(
        String source,
        List<ListenerConfig> listeners,
        AdminConfig admin,
        Map<String, PoolConfig> pools,
        Optional<FailoverConfig> failover,
        Duration shutdownTimeout,
        List<Problem> warnings,
        Map<String, CacheConfig> caches) {

    public TandemConfig {
        listeners = List.copyOf(listeners);
        warnings = List.copyOf(warnings);
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        caches = Collections.unmodifiableMap(new LinkedHashMap<>(caches));
    }

    /** A config without caches, as before caches existed. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, Map.of());
    }

    /** A config without warnings. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, List.of());
    }

    /** A config with the default shutdown timeout. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover) {
        this(source, listeners, admin, pools, failover, Defaults.SHUTDOWN_TIMEOUT);
    }

    public PoolConfig pool(String name) {
        return pools.get(name);
    }
}
