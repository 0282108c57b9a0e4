package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Least connections: the backend with the fewest in-flight requests per unit
 * of weight ({@code inFlight / effectiveWeight}, compared by cross-multiplying
 * so no division and no rounding), as nginx's {@code least_conn} and HAProxy's
 * {@code leastconn}. Among backends tied for the least load, a rotating
 * counter chooses, so an idle pool is served round-robin rather than always
 * by its first backend.
 *
 * <p>A pick reads every live backend's in-flight counter: the counters change
 * on every event loop without telling the strategy, so an exact answer needs
 * all of them. That is O(n) per pick (two passes: find the least load and
 * count the ties, then take the k-th tie); for pools of hundreds of backends
 * {@code power-of-two} gives nearly the same balance in O(1).
 * Stateless apart from the rotation counter, which carries over snapshots.
 */
final class LeastConnectionsStrategy implements BalancingStrategy {

    static final LeastConnectionsStrategy INSTANCE = new LeastConnectionsStrategy();

    private LeastConnectionsStrategy() {}

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        AtomicInteger sequence = previous instanceof LeastConnectionsPicker
                ? ((LeastConnectionsPicker) previous).sequence : new AtomicInteger();
        Backend[] backends = live.toArray(new Backend[0]);
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            weights[i] = Math.max(1, backends[i].effectiveWeight());
        }
        return new LeastConnectionsPicker(backends, weights, sequence);
    }

    private static final class LeastConnectionsPicker implements Picker {
        private final Backend[] backends;
        private final int[] weights;
        private final AtomicInteger sequence;

        LeastConnectionsPicker(Backend[] backends, int[] weights, AtomicInteger sequence) {
            this.backends = backends;
            this.weights = weights;
            this.sequence = sequence;
        }

        @Override
        public Backend pick(RequestContext request) {
            int n = backends.length;
            if (n <= 1) {
                return n == 0 ? null : backends[0];
            }
            // Pass 1: the least load (as the pair inFlight, weight) and how many share it.
            long leastLoad = backends[0].inFlight();
            long leastWeight = weights[0];
            int ties = 1;
            for (int i = 1; i < n; i++) {
                long load = backends[i].inFlight();
                long cmp = load * leastWeight - leastLoad * weights[i];
                if (cmp < 0) {
                    leastLoad = load;
                    leastWeight = weights[i];
                    ties = 1;
                } else if (cmp == 0) {
                    ties++;
                }
            }
            // Pass 2: the k-th of the tied backends. Counters may have moved since
            // pass 1; then the last one seen at the least load is as good an answer.
            int k = (sequence.getAndIncrement() & Integer.MAX_VALUE) % ties;
            Backend chosen = null;
            for (int i = 0; i < n; i++) {
                if (backends[i].inFlight() * leastWeight == leastLoad * weights[i]) {
                    chosen = backends[i];
                    if (k-- == 0) {
                        return chosen;
                    }
                }
            }
            return chosen != null ? chosen : backends[0];
        }
    }
}
