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
 * @param announce        with {@code failover.mode: announce}, how this node announces its VIPs by BGP
 * @param resolvers       the DNS servers of {@code dns:} backends; empty for those of /etc/resolv.conf
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
        Optional<AnnounceConfig> announce,
        List<HostPort> resolvers,
        Map<String, CacheConfig> caches) {

    public TandemConfig {
        listeners = List.copyOf(listeners);
        resolvers = List.copyOf(resolvers);
        warnings = List.copyOf(warnings);
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        caches = Collections.unmodifiableMap(new LinkedHashMap<>(caches));
    }

    /**
     * A config without an announce section and without caches, whose DNS backends (if any) use
     * /etc/resolv.conf's resolvers.
     */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, Optional.empty(), List.of(),
                Map.of());
    }

    /** A config with caches, without an announce section, with /etc/resolv.conf's resolvers. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings, Map<String, CacheConfig> caches) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, Optional.empty(), List.of(),
                caches);
    }

    /** A config without caches. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings, Optional<AnnounceConfig> announce, List<HostPort> resolvers) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, announce, resolvers, Map.of());
    }

    /** A config whose DNS backends (if any) use the resolvers of /etc/resolv.conf. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings, Optional<AnnounceConfig> announce) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, announce, List.of(), Map.of());
    }

    /** A config without an announce section. */
    public TandemConfig(String source, List<ListenerConfig> listeners, AdminConfig admin,
                        Map<String, PoolConfig> pools, Optional<FailoverConfig> failover, Duration shutdownTimeout,
                        List<Problem> warnings, List<HostPort> resolvers) {
        this(source, listeners, admin, pools, failover, shutdownTimeout, warnings, Optional.empty(), resolvers,
                Map.of());
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

    /**
     * This config with other pools (runtime backends merged in). Uses the canonical constructor on
     * purpose: a component added to this record must be carried here too, or this does not compile.
     */
    public TandemConfig withPools(Map<String, PoolConfig> otherPools) {
        return new TandemConfig(source, listeners, admin, otherPools, failover, shutdownTimeout, warnings, announce,
                resolvers, caches);
    }

    public PoolConfig pool(String name) {
        return pools.get(name);
    }
}
