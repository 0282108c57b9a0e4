package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * Random: each request to a random live backend, chosen with probability
 * proportional to its effective weight (like nginx's {@code random} and
 * HAProxy's {@code random}). Needs no shared state at all, so it scales with
 * event loops and balancer nodes without coordination.
 *
 * <p>The snapshot holds the cumulative weights; a pick draws {@code r} in
 * [0, total) and binary-searches the first backend whose cumulative weight
 * exceeds it: O(log n), no allocation. When every weight is equal the draw
 * indexes the array directly. Randomness injected.
 */
final class RandomStrategy implements BalancingStrategy {

    private final RandomSource random;

    RandomStrategy(RandomSource random) {
        this.random = random;
    }

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        Backend[] backends = live.toArray(new Backend[0]);
        int[] cumulative = new int[backends.length];
        int total = 0;
        boolean uniform = true;
        for (int i = 0; i < backends.length; i++) {
            int w = Math.max(1, backends[i].effectiveWeight());
            uniform &= w == Math.max(1, backends[0].effectiveWeight());
            total += w;
            cumulative[i] = total;
        }
        return new RandomPicker(backends, uniform ? null : cumulative, total, random);
    }

    private static final class RandomPicker implements Picker {
        private final Backend[] backends;
        /** Running sums of the weights, or null when all weights are equal. */
        private final int[] cumulative;
        private final int total;
        private final RandomSource random;

        RandomPicker(Backend[] backends, int[] cumulative, int total, RandomSource random) {
            this.backends = backends;
            this.cumulative = cumulative;
            this.total = total;
            this.random = random;
        }

        @Override
        public Backend pick(RequestContext request) {
            int n = backends.length;
            if (n <= 1) {
                return n == 0 ? null : backends[0];
            }
            if (cumulative == null) {
                return backends[random.nextInt(n)];
            }
            int r = random.nextInt(total);
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] > r) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return backends[lo];
        }
    }
}
