package io.tandem.server.proxy;

import io.tandem.config.PoolConfig;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.strategy.Balancer;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.tls.BackendTls;

/**
 * A pool as the proxy uses it: the live backends and the balancer that picks
 * among them, plus the pool's settings and meters, and its health (which the
 * proxy tells what it sees of each backend). {@link #settings} holds what the
 * data path reads, resolved once from {@link #config}.
 */
public record PoolRuntime(PoolConfig config, BackendPool pool, Balancer balancer, PoolMeters meters,
                          PoolHealth health, PoolSettings settings) {

    /** A pool that speaks plain HTTP to its backends. */
    public PoolRuntime(PoolConfig config, BackendPool pool, Balancer balancer, PoolMeters meters,
                       PoolHealth health) {
        this(config, pool, balancer, meters, health, PoolSettings.of(config, null));
    }

    /** {@code tls}: the context built from {@code config.tls()} for this load of the config, null without one. */
    public PoolRuntime(PoolConfig config, BackendPool pool, Balancer balancer, PoolMeters meters,
                       PoolHealth health, BackendTls tls) {
        this(config, pool, balancer, meters, health, PoolSettings.of(config, tls));
    }

    public String name() {
        return config.name();
    }
}
