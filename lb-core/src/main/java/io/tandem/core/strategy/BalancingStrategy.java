package io.tandem.core.strategy;

import io.tandem.config.HashOn;
import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * A balancing algorithm. Its {@link Balancer} tells it the live backends whenever
 * membership, health or weights change, and it answers with a {@link Picker}
 * over that immutable snapshot. Building a picker may be slow; picking must not.
 *
 * <p>Weighted strategies read {@link Backend#effectiveWeight()} when the
 * picker is built (a weight change or a slow-start step rebuilds it).
 */
public interface BalancingStrategy {

    /**
     * Returns a picker over {@code live}, the backends that may take requests
     * now, in config order. May carry state from the previous picker (the balancer
     * passes it) so that a change does not reset a rotation.
     */
    Picker newPicker(List<Backend> live, Picker previous);

    /** Round-robin over the live backends in config order, ignoring weights. */
    static BalancingStrategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }

    /** nginx's smooth weighted round-robin (weights 5,1,1 give a a b a c a a). */
    static BalancingStrategy weightedRoundRobin() {
        return WeightedRoundRobinStrategy.INSTANCE;
    }

    /** Fewest in-flight requests per unit of weight; ties broken by rotation. */
    static BalancingStrategy leastConnections() {
        return LeastConnectionsStrategy.INSTANCE;
    }

    /** Two random backends, the less loaded (in-flight per weight) wins. */
    static BalancingStrategy powerOfTwo() {
        return powerOfTwo(RandomSource.threadLocal());
    }

    /** {@link #powerOfTwo()} with the given randomness. */
    static BalancingStrategy powerOfTwo(RandomSource random) {
        return new PowerOfTwoStrategy(random);
    }

    /**
     * Maglev consistent hashing of {@code hashOn}'s key (source IP, a header or
     * a cookie); requests without the key go round-robin.
     */
    static BalancingStrategy consistentHash(HashOn hashOn) {
        return new ConsistentHashStrategy(hashOn);
    }

    /** A random backend, with probability proportional to its weight. */
    static BalancingStrategy random() {
        return random(RandomSource.threadLocal());
    }

    /** {@link #random()} with the given randomness. */
    static BalancingStrategy random(RandomSource random) {
        return new RandomStrategy(random);
    }
}
