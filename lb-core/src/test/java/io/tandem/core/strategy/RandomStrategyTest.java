package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.counts;
import static io.tandem.core.strategy.TestPools.picks;
import static io.tandem.core.strategy.TestPools.scripted;
import static io.tandem.core.strategy.TestPools.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.core.pool.BackendPool;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomStrategyTest {

    // Equal weights: the draw indexes the live backends directly.
    @Test
    void equalWeightsIndexDirectly() {
        BackendPool pool = new BackendPool("web", backends(1, 1, 1), BalancingStrategy.random(scripted(2, 0, 1)));
        assertThat(picks(pool, 3)).isEqualTo("c a b");
    }

    // Unequal weights: the draw falls into cumulative weight ranges (3,1 scaled by 16: a=[0,48), b=[48,64)).
    @Test
    void unequalWeightsUseCumulativeRanges() {
        BackendPool pool = new BackendPool("web", backends(3, 1),
                BalancingStrategy.random(scripted(0, 47, 48, 63)));
        assertThat(picks(pool, 4)).isEqualTo("a a b b");
    }

    // 100,000 picks over equal weights: each of 3 within 1% of a third.
    @Test
    void uniformDistribution() {
        BackendPool pool = new BackendPool("web", backends(1, 1, 1), BalancingStrategy.random(seeded(11)));
        Map<String, Integer> counts = counts(pool, 100_000);
        for (String b : new String[] {"a", "b", "c"}) {
            assertThat(counts.get(b) / 100_000.0).as(b).isCloseTo(1 / 3.0, within(0.01));
        }
    }

    // 100,000 picks over weights 5,3,2: shares within 1% of 50%, 30%, 20%.
    @Test
    void weightedDistribution() {
        BackendPool pool = new BackendPool("web", backends(5, 3, 2), BalancingStrategy.random(seeded(12)));
        Map<String, Integer> counts = counts(pool, 100_000);
        assertThat(counts.get("a") / 100_000.0).isCloseTo(0.5, within(0.01));
        assertThat(counts.get("b") / 100_000.0).isCloseTo(0.3, within(0.01));
        assertThat(counts.get("c") / 100_000.0).isCloseTo(0.2, within(0.01));
    }
}
