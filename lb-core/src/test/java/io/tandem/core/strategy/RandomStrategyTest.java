package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.counts;
import static io.tandem.core.strategy.TestPools.picks;
import static io.tandem.core.strategy.TestPools.scripted;
import static io.tandem.core.strategy.TestPools.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.core.strategy.TestPools.Balanced;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomStrategyTest {

    // Equal weights: the draw indexes the live backends directly.
    @Test
    void equalWeightsIndexDirectly() {
        Balanced pool = balanced(backends(1, 1, 1), BalancingStrategy.random(scripted(2, 0, 1)));
        assertThat(picks(pool, 3)).isEqualTo("c a b");
    }

    // Unequal weights 3,1 (48 and 16 in sixteenths, total 64): column a is all a; column b keeps
    // heights 0-31 for b and gives 32-63 to a. Draws are (column, height).
    @Test
    void unequalWeightsUseTheAliasTable() {
        Balanced pool = balanced(backends(3, 1),
                BalancingStrategy.random(scripted(0, 63, 1, 0, 1, 31, 1, 32)));
        assertThat(picks(pool, 4)).isEqualTo("a b b a");
    }

    // The alias table is exact: over every (column, height) pair, weights 7,1,4,1 get exactly 7:1:4:1.
    @Test
    void aliasTableIsExact() {
        int n = 4;
        int total = (7 + 1 + 4 + 1) * 16;
        int[] draws = new int[2 * n * total];
        int k = 0;
        for (int column = 0; column < n; column++) {
            for (int height = 0; height < total; height++) {
                draws[k++] = column;
                draws[k++] = height;
            }
        }
        Balanced pool = balanced(backends(7, 1, 4, 1), BalancingStrategy.random(scripted(draws)));
        assertThat(counts(pool, n * total)).isEqualTo(Map.of("a", 7 * 64, "b", 64, "c", 4 * 64, "d", 64));
    }

    // 100,000 picks over equal weights: each of 3 within 1% of a third.
    @Test
    void uniformDistribution() {
        Balanced pool = balanced(backends(1, 1, 1), BalancingStrategy.random(seeded(11)));
        Map<String, Integer> counts = counts(pool, 100_000);
        for (String b : new String[] {"a", "b", "c"}) {
            assertThat(counts.get(b) / 100_000.0).as(b).isCloseTo(1 / 3.0, within(0.01));
        }
    }

    // 100,000 picks over weights 5,3,2: shares within 1% of 50%, 30%, 20%.
    @Test
    void weightedDistribution() {
        Balanced pool = balanced(backends(5, 3, 2), BalancingStrategy.random(seeded(12)));
        Map<String, Integer> counts = counts(pool, 100_000);
        assertThat(counts.get("a") / 100_000.0).isCloseTo(0.5, within(0.01));
        assertThat(counts.get("b") / 100_000.0).isCloseTo(0.3, within(0.01));
        assertThat(counts.get("c") / 100_000.0).isCloseTo(0.2, within(0.01));
    }
}
