package io.tandem.core.strategy;

import io.tandem.config.PoolConfig;

/** Maps a pool's configured strategy name to its implementation. */
public final class Strategies {

    private Strategies() {}

    public static BalancingStrategy forPool(PoolConfig pool) {
        switch (pool.strategy()) {
            case ROUND_ROBIN:
                return BalancingStrategy.roundRobin();
            default:
                throw new IllegalArgumentException("strategy " + pool.strategy().configName() + " is not available");
        }
    }
}
