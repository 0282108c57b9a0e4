package io.tandem.core.strategy;

import io.tandem.config.HashOn;
import io.tandem.config.PoolConfig;

/** Maps a pool's configured strategy name to its implementation. */
public final class Strategies {

    private Strategies() {}

    public static BalancingStrategy forPool(PoolConfig pool) {
        switch (pool.strategy()) {
            case ROUND_ROBIN:
                return BalancingStrategy.roundRobin();
            case WEIGHTED_ROUND_ROBIN:
                return BalancingStrategy.weightedRoundRobin();
            case LEAST_CONNECTIONS:
                return BalancingStrategy.leastConnections();
            case POWER_OF_TWO:
                return BalancingStrategy.powerOfTwo();
            case CONSISTENT_HASH:
                return BalancingStrategy.consistentHash(
                        pool.hashOn().orElse(new HashOn(HashOn.Source.SOURCE_IP, null)));
            case RANDOM:
                return BalancingStrategy.random();
            default:
                throw new IllegalArgumentException("strategy " + pool.strategy().configName() + " is not available");
        }
    }
}
