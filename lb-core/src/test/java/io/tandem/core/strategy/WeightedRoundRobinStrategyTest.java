package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.counts;
import static io.tandem.core.strategy.TestPools.letter;
import static io.tandem.core.strategy.TestPools.picks;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.BackendState;
import io.tandem.core.pool.SlowStart;
import io.tandem.core.strategy.TestPools.Balanced;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinStrategyTest {

    private static Balanced pool(List<Backend> backends) {
        return balanced(backends, BalancingStrategy.weightedRoundRobin());
    }

    /** nginx's loop as written in ngx_http_upstream_get_peer: the reference the schedule must equal. */
    private static String nginx(int[] weights, int n) {
        long[] current = new long[weights.length];
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < n; k++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out.append(k > 0 ? " " : "").append((char) ('a' + best));
        }
        return out.toString();
    }

    // Weights 5,1,1 give nginx's smooth sequence a a b a c a a, then it repeats.
    @Test
    void weightsFiveOneOneGiveNginxSequence() {
        Balanced pool = pool(backends(5, 1, 1));
        assertThat(picks(pool, 14)).isEqualTo("a a b a c a a a a b a c a a");
    }

    // Equal weights are plain round-robin in config order.
    @Test
    void equalWeightsAreRoundRobin() {
        Balanced pool = pool(backends(3, 3, 3));
        assertThat(picks(pool, 6)).isEqualTo("a b c a b c");
    }

    // For 300 random pools (1-12 backends, weights 1-20), two periods equal nginx's own loop exactly.
    @Test
    void matchesNginxLoopOnRandomPools() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(12);
            int[] weights = new int[n];
            int total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = 1 + r.nextInt(20);
                total += weights[i];
            }
            Balanced pool = pool(backends(weights));
            assertThat(picks(pool, 2 * total)).as("weights %s", java.util.Arrays.toString(weights))
                    .isEqualTo(nginx(weights, 2 * total));
        }
    }

    // A weight changed at runtime takes effect at once: 5,1,1 becomes 1,1,5 and follows nginx's sequence for it.
    @Test
    void runtimeWeightChangeRebuildsTheSchedule() {
        List<Backend> bs = backends(5, 1, 1);
        Balanced pool = pool(bs);
        assertThat(picks(pool, 7)).isEqualTo("a a b a c a a");
        pool.pool().setWeight(bs.get(0), 1);
        pool.pool().setWeight(bs.get(2), 5);
        // The counter carries over (at 7 now, 7 mod 7 = 0): the new period starts at its beginning.
        assertThat(picks(pool, 7)).isEqualTo(nginx(new int[] {1, 1, 5}, 7));
        assertThat(nginx(new int[] {1, 1, 5}, 7)).isEqualTo("c c a c b c c");
    }

    // A weight set to 0 takes the backend out of rotation; the others keep their ratio.
    @Test
    void weightZeroLeavesRotation() {
        List<Backend> bs = backends(2, 1, 1);
        Balanced pool = pool(bs);
        pool.pool().setWeight(bs.get(0), 0);
        assertThat(picks(pool, 4)).isEqualTo("b c b c");
    }

    // A backend that goes down leaves the schedule; when it returns the full sequence is back.
    @Test
    void downBackendLeavesSchedule() {
        List<Backend> bs = backends(5, 1, 1);
        Balanced pool = pool(bs);
        pool.pool().setState(bs.get(0), BackendState.DOWN);
        assertThat(picks(pool, 4)).isEqualTo("b c b c");
        pool.pool().setState(bs.get(0), BackendState.UP);
        assertThat(counts(pool, 700)).isEqualTo(Map.of("a", 500, "b", 100, "c", 100));
    }

    // Slow start half way gives a returning backend 8 of 24 weight units: a third of the picks.
    @Test
    void slowStartRampShiftsPicks() {
        long second = 1_000_000_000L;
        AtomicLong clock = new AtomicLong(1_000 * second);
        List<Backend> bs = backends(1, 1);
        BackendPool pool = new BackendPool("web", bs, SlowStart.over(Duration.ofSeconds(10)), clock::get);
        Balanced balanced = new Balanced(pool, Balancer.over(pool, BalancingStrategy.weightedRoundRobin()));
        pool.setState(bs.get(1), BackendState.DOWN);
        pool.setState(bs.get(1), BackendState.UP);
        clock.addAndGet(5 * second);
        pool.updateSlowStart();
        assertThat(counts(balanced, 2400)).isEqualTo(Map.of("a", 1600, "b", 800));
    }

    // 1000 backends with large unequal weights (period > 64 Ki) are scaled: schedule bounded, shares within 2%.
    @Test
    void hugePeriodIsScaledProportionally() {
        int[] weights = new int[1000];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i % 2 == 0 ? 997 : 499;
        }
        List<Backend> bs = backends(weights);
        Backend[] schedule = WeightedRoundRobinStrategy.schedule(bs);
        assertThat(schedule.length).isLessThanOrEqualTo(WeightedRoundRobinStrategy.MAX_PERIOD + 1000);
        int heavy = 0;
        for (Backend b : schedule) {
            if ((b.address().port() - 1) % 2 == 0) {
                heavy++;
            }
        }
        double share = heavy / (double) schedule.length;
        assertThat(share).isBetween(997.0 / 1496 - 0.02, 997.0 / 1496 + 0.02);
        assertThat(letter(schedule[0])).isEqualTo("a");
    }
}
