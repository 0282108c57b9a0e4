package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.counts;
import static io.tandem.core.strategy.TestPools.picks;
import static io.tandem.core.strategy.TestPools.scripted;
import static io.tandem.core.strategy.TestPools.seeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.core.pool.Backend;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerOfTwoStrategyTest {

    // With pinned draws the less loaded of the two drawn wins; the second draw skips the first index.
    @Test
    void lessLoadedOfTheTwoDrawnWins() {
        List<Backend> bs = backends(1, 1, 1);
        bs.get(0).requestStarted();
        // Draws (first, second): (0,0)->a vs b, (2,1)->c vs b, (1,1)->b vs c.
        Balanced pool = balanced(bs, BalancingStrategy.powerOfTwo(scripted(0, 0, 2, 1, 1, 1)));
        bs.get(2).requestStarted();
        assertThat(picks(pool, 3)).isEqualTo("b b b");
    }

    // On equal load the first drawn backend wins.
    @Test
    void equalLoadTakesFirstDrawn() {
        Balanced pool = balanced(backends(1, 1, 1),
                BalancingStrategy.powerOfTwo(scripted(2, 0, 1, 1)));
        assertThat(picks(pool, 2)).isEqualTo("c b");
    }

    // The most loaded backend is never picked while all others are less loaded (100,000 picks).
    @Test
    void mostLoadedNeverWins() {
        List<Backend> bs = backends(1, 1, 1, 1);
        bs.get(3).requestStarted();
        Balanced pool = balanced(bs, BalancingStrategy.powerOfTwo(seeded(1)));
        Map<String, Integer> counts = counts(pool, 100_000);
        assertThat(counts).doesNotContainKey("d").containsOnlyKeys("a", "b", "c");
    }

    // Idle pool: 100,000 picks spread evenly over 4 backends, each within 1% of 25%.
    @Test
    void idlePoolIsUniform() {
        Balanced pool = balanced(backends(1, 1, 1, 1), BalancingStrategy.powerOfTwo(seeded(2)));
        Map<String, Integer> counts = counts(pool, 100_000);
        for (String b : List.of("a", "b", "c", "d")) {
            assertThat(counts.get(b) / 100_000.0).as(b).isCloseTo(0.25, within(0.01));
        }
    }

    // Held requests (picked requests never end) even out: 100,000 held over 4 backends differ by at most 1%.
    @Test
    void heldRequestsEvenOut() {
        List<Backend> bs = backends(1, 1, 1, 1);
        Balanced pool = balanced(bs, BalancingStrategy.powerOfTwo(seeded(3)));
        for (int i = 0; i < 100_000; i++) {
            pool.pick(RequestContext.NONE).requestStarted();
        }
        for (Backend b : bs) {
            assertThat(b.inFlight()).isBetween(24_000, 26_000);
        }
    }
}
