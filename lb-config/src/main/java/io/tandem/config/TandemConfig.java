package io.tandem.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated config file: immutable, built once by {@link ConfigLoader}.
 *
 * @param source   the file it was read from (for /status and messages)
 * @param failover the pair settings, absent for a single node
 * @param shutdownTimeout how long a stopping daemon lets in-flight requests finish
 */
public record TandemConfig(
        String source,
        List<ListenerConfig> listeners,
        AdminConfig admin,
        Map<String, PoolConfig> pools,
        Optional<FailoverConfig> failover,
        java.time.Duration shutdownTimeout) {

    public TandemConfig {
        listeners = List.copyOf(listeners);
        pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
    }

    public PoolConfig pool(String name) {
        return pools.get(name);
    }
}
