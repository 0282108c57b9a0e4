package io.tandem.core.strategy;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The randomness of the random strategies, injected so tests can pin it.
 * Called from every event loop at once: an implementation must be safe for
 * concurrent use and allocate nothing.
 */
@FunctionalInterface
public interface RandomSource {

    /** A uniformly distributed int in {@code [0, bound)}; {@code bound > 0}. */
    int nextInt(int bound);

    /** Each thread's own {@link ThreadLocalRandom}: no contention, no allocation. */
    static RandomSource threadLocal() {
        return bound -> ThreadLocalRandom.current().nextInt(bound);
    }
}
