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
 * <p>The counters change on every event loop without telling the strategy,
 * so an exact answer must read all of them. Up to {@link #WINDOW} live
 * backends a pick does exactly that (two passes: find the least load and
 * count the ties, then take the k-th tie). A larger pool is scanned through a
 * window of {@link #WINDOW} consecutive backends whose start rotates with
 * every pick: the least loaded of those wins (the first of them on a tie, and
 * the rotating start makes ties take turns). That keeps a pick O(1) — under
 * 100 ns at 1000 backends instead of microseconds — and every backend is in
 * {@link #WINDOW} of each {@code n} consecutive windows, so an idle backend is
 * found within a few picks. It is the same trade Envoy makes with its
 * least-request "choice count", with a deterministic sample.
 * Stateless apart from the rotation counter, which carries over snapshots.
 */
final class LeastConnectionsStrategy implements BalancingStrategy {

    static final LeastConnectionsStrategy INSTANCE = new LeastConnectionsStrategy();

    /** Pools up to this many live backends are scanned whole; larger ones through a rotating window this wide. */
    static final int WINDOW = 16;

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
            if (n > WINDOW) {
                return pickInWindow(n);
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

        /** The least loaded of the {@link #WINDOW} backends from a rotating start. */
        private Backend pickInWindow(int n) {
            int i = (sequence.getAndIncrement() & Integer.MAX_VALUE) % n;
            Backend best = backends[i];
            long bestLoad = best.inFlight();
            long bestWeight = weights[i];
            for (int j = 1; j < WINDOW; j++) {
                if (++i == n) {
                    i = 0;
                }
                long load = backends[i].inFlight();
                if (load * bestWeight < bestLoad * weights[i]) {
                    best = backends[i];
                    bestLoad = load;
                    bestWeight = weights[i];
                }
            }
            return best;
        }
    }
}
