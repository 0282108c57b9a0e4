package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Smooth weighted round-robin, nginx's algorithm ({@code ngx_http_upstream_get_peer}).
 * Every pick, each backend's current weight grows by its weight; the backend
 * with the highest current weight (the first one on a tie) wins and loses the
 * total weight. Weights 5,1,1 give {@code a a b a c a a}: the heavy backend's
 * turns are spread out instead of bunched.
 *
 * <p><b>Why a precomputed schedule.</b> nginx runs that loop per worker
 * process, on mutable per-backend state, in O(n) per pick. Here every event
 * loop picks concurrently and a pick must be lock-free, allocation-free and
 * O(1). The algorithm's state returns to all zeros after exactly W picks
 * (W = sum of weights: each backend has then been picked weight times, and
 * its current weight is {@code W*w - W*w = 0}), so its output is periodic
 * with period W. The picker therefore holds one period of the sequence,
 * computed when the snapshot is built, and a pick is one
 * {@code getAndIncrement} and an array read. Concurrent picks get distinct
 * counter values, so together they take exactly the nginx sequence; one
 * event loop's picks are a subsequence of it. Runtime weight changes (the
 * admin API, slow start) rebuild the schedule off the hot path; the counter
 * carries over so the pool does not restart at its first backend.
 *
 * <p><b>Building in O(W·d), not O(W·n).</b> Backends of equal weight never
 * overtake each other out of order: between two of them the one picked fewer
 * times has the higher current weight, and on equal counts the first wins.
 * So each group of equal weight is served round-robin in config order, and
 * the simulation only compares the d distinct weights per step. Weights are
 * divided by their gcd first (all-equal weights give a period of n). A period
 * longer than {@link #MAX_PERIOD} picks, or a build over {@link #BUILD_BUDGET}
 * steps, scales all weights down proportionally (each stays at least 1): the
 * schedule stays exact for the scaled weights, relative weights keep about
 * {@code MAX_PERIOD / n} units of precision. That only happens with large
 * pools of large, unequal weights, or in the middle of a slow start.
 */
final class WeightedRoundRobinStrategy implements BalancingStrategy {

    static final WeightedRoundRobinStrategy INSTANCE = new WeightedRoundRobinStrategy();

    /** The longest schedule kept: 64 Ki picks (256 KiB of references). */
    static final int MAX_PERIOD = 1 << 16;
    /** Most simulation steps (picks times distinct weights) one build may take: ~10 ms. */
    static final long BUILD_BUDGET = 1L << 24;

    private WeightedRoundRobinStrategy() {}

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        AtomicInteger sequence = previous instanceof SchedulePicker
                ? ((SchedulePicker) previous).sequence : new AtomicInteger();
        return new SchedulePicker(schedule(live), sequence);
    }

    /** One period of the smooth weighted round-robin sequence over {@code live}'s effective weights. */
    static Backend[] schedule(List<Backend> live) {
        int n = live.size();
        if (n == 0) {
            return new Backend[0];
        }
        long[] w = new long[n];
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(1, live.get(i).effectiveWeight());
        }
        long total = reduce(w);
        long distinct = Arrays.stream(w).distinct().count();
        long limit = Math.max(n, Math.min(MAX_PERIOD, BUILD_BUDGET / distinct));
        if (total > limit) {
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(1, w[i] * limit / total);
            }
            total = reduce(w);
        }
        return simulate(live, w, (int) total);
    }

    /** Divides the weights by their greatest common divisor; returns their sum. */
    private static long reduce(long[] w) {
        long g = 0;
        for (long x : w) {
            g = gcd(g, x);
        }
        long sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] /= g;
            sum += w[i];
        }
        return sum;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * Runs nginx's loop for one period. After the additions of step t, backend
     * i's current weight is {@code t*w[i] - total*picks[i]}; a group's best
     * member is its first member with the fewest picks.
     */
    private static Backend[] simulate(List<Backend> live, long[] w, int total) {
        long[] groupWeight = Arrays.stream(w).distinct().toArray();
        int d = groupWeight.length;
        int[][] members = new int[d][];
        for (int g = 0; g < d; g++) {
            long gw = groupWeight[g];
            members[g] = IntStream.range(0, w.length).filter(i -> w[i] == gw).toArray();
        }
        long[] groupPicks = new long[d];
        Backend[] schedule = new Backend[total];
        for (int t = 1; t <= total; t++) {
            int best = -1;
            long bestWeight = 0;
            int bestIndex = 0;
            for (int g = 0; g < d; g++) {
                int size = members[g].length;
                long current = t * groupWeight[g] - total * (groupPicks[g] / size);
                int index = members[g][(int) (groupPicks[g] % size)];
                if (best < 0 || current > bestWeight || (current == bestWeight && index < bestIndex)) {
                    best = g;
                    bestWeight = current;
                    bestIndex = index;
                }
            }
            groupPicks[best]++;
            schedule[t - 1] = live.get(bestIndex);
        }
        return schedule;
    }

    private static final class SchedulePicker implements Picker {
        private final Backend[] schedule;
        private final AtomicInteger sequence;

        SchedulePicker(Backend[] schedule, AtomicInteger sequence) {
            this.schedule = schedule;
            this.sequence = sequence;
        }

        @Override
        public Backend pick(RequestContext request) {
            if (schedule.length == 0) {
                return null;
            }
            return schedule[(sequence.getAndIncrement() & Integer.MAX_VALUE) % schedule.length];
        }
    }
}
