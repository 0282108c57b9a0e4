package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * A balancing algorithm. The pool tells it the live backends whenever
 * membership, health or weights change, and it answers with a {@link Picker}
 * over that immutable snapshot. Building a picker may be slow; picking must not.
 */
public interface BalancingStrategy {

    /**
     * Returns a picker over {@code live}, the backends that may take requests
     * now, in config order. May carry state from the previous picker (the pool
     * passes it) so that a change does not reset a rotation.
     */
    Picker newPicker(List<Backend> live, Picker previous);

    /** Round-robin over the live backends in config order, ignoring weights. */
    static BalancingStrategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }
}
