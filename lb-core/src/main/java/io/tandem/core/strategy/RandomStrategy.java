package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * Random: each request to a random live backend, chosen with probability
 * proportional to its effective weight (like nginx's {@code random} and
 * HAProxy's {@code random}). Needs no shared state at all, so it scales with
 * event loops and balancer nodes without coordination.
 *
 * <p>Weighted draws use Walker's alias method (Vose's construction, in
 * integers so the probabilities are exact): the snapshot holds n columns of
 * height W (the total weight); column i keeps {@code keep[i]} units for
 * backend i and gives the rest to {@code alias[i]}. A pick draws a column and
 * a height: two random numbers and one comparison, O(1), where a binary
 * search over cumulative weights costs log n mispredicted branches. When all
 * weights are equal one draw indexes the array directly. Randomness injected.
 */
final class RandomStrategy implements BalancingStrategy {

    private final RandomSource random;

    RandomStrategy(RandomSource random) {
        this.random = random;
    }

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        Backend[] backends = live.toArray(new Backend[0]);
        int n = backends.length;
        long[] scaled = new long[n];
        long total = 0;
        boolean uniform = true;
        for (int i = 0; i < n; i++) {
            long w = Math.max(1, backends[i].effectiveWeight());
            uniform &= w == Math.max(1, backends[0].effectiveWeight());
            total += w;
            scaled[i] = w * n;
        }
        if (uniform || n <= 1) {
            return new RandomPicker(backends, null, null, 0, random);
        }
        // Vose: pair each column under W with one over W, which tops it up.
        int[] keep = new int[n];
        int[] alias = new int[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int smalls = 0;
        int larges = 0;
        for (int i = 0; i < n; i++) {
            if (scaled[i] < total) {
                small[smalls++] = i;
            } else {
                large[larges++] = i;
            }
        }
        while (smalls > 0 && larges > 0) {
            int s = small[--smalls];
            int l = large[--larges];
            keep[s] = (int) scaled[s];
            alias[s] = l;
            scaled[l] -= total - scaled[s];
            if (scaled[l] < total) {
                small[smalls++] = l;
            } else {
                large[larges++] = l;
            }
        }
        // Whatever is left is exactly full (integer arithmetic leaves no rounding).
        while (larges > 0) {
            int l = large[--larges];
            keep[l] = (int) total;
            alias[l] = l;
        }
        while (smalls > 0) {
            int s = small[--smalls];
            keep[s] = (int) total;
            alias[s] = s;
        }
        return new RandomPicker(backends, keep, alias, (int) total, random);
    }

    private static final class RandomPicker implements Picker {
        private final Backend[] backends;
        /** Per column, the height kept by its own backend; null when all weights are equal. */
        private final int[] keep;
        private final int[] alias;
        private final int total;
        private final RandomSource random;

        RandomPicker(Backend[] backends, int[] keep, int[] alias, int total, RandomSource random) {
            this.backends = backends;
            this.keep = keep;
            this.alias = alias;
            this.total = total;
            this.random = random;
        }

        @Override
        public Backend pick(RequestContext request) {
            int n = backends.length;
            if (n <= 1) {
                return n == 0 ? null : backends[0];
            }
            int column = random.nextInt(n);
            if (keep == null) {
                return backends[column];
            }
            return random.nextInt(total) < keep[column] ? backends[column] : backends[alias[column]];
        }
    }
}
