package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * Power of two random choices (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001): draw two distinct live backends at
 * random and send the request to the less loaded one, load being in-flight
 * requests per unit of weight. Nearly as even as least-connections at O(1)
 * per pick, and with several balancers (or event loops) deciding on stale
 * counts it avoids the herd that always-the-least would send to one backend.
 * On equal load the first drawn wins, which is itself random.
 *
 * <p>Immutable snapshot; randomness injected.
 */
final class PowerOfTwoStrategy implements BalancingStrategy {

    private final RandomSource random;

    PowerOfTwoStrategy(RandomSource random) {
        this.random = random;
    }

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        Backend[] backends = live.toArray(new Backend[0]);
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            weights[i] = Math.max(1, backends[i].effectiveWeight());
        }
        return new PowerOfTwoPicker(backends, weights, random);
    }

    private static final class PowerOfTwoPicker implements Picker {
        private final Backend[] backends;
        private final int[] weights;
        private final RandomSource random;

        PowerOfTwoPicker(Backend[] backends, int[] weights, RandomSource random) {
            this.backends = backends;
            this.weights = weights;
            this.random = random;
        }

        @Override
        public Backend pick(RequestContext request) {
            int n = backends.length;
            if (n <= 1) {
                return n == 0 ? null : backends[0];
            }
            int a = random.nextInt(n);
            // A second index uniform over the other n-1: skip over a.
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            // Fewer in-flight per weight wins: inFlight(b)/w(b) < inFlight(a)/w(a).
            long loadA = (long) backends[a].inFlight() * weights[b];
            long loadB = (long) backends[b].inFlight() * weights[a];
            return loadB < loadA ? backends[b] : backends[a];
        }
    }
}
