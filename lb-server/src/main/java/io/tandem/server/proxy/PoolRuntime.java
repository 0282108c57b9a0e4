package io.tandem.server.proxy;

import io.tandem.config.PoolConfig;
import io.tandem.core.pool.BackendPool;
import io.tandem.server.metrics.PoolMeters;

/** A pool as the proxy uses it: the live backends plus the pool's settings and meters. */
public record PoolRuntime(PoolConfig config, BackendPool pool, PoolMeters meters) {

    public String name() {
        return config.name();
    }
}
