package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.picks;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.pool.Backend;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeastConnectionsStrategyTest {

    private static Balanced pool(List<Backend> backends) {
        return balanced(backends, BalancingStrategy.leastConnections());
    }

    private static void inFlight(Backend b, int n) {
        for (int i = 0; i < n; i++) {
            b.requestStarted();
        }
    }

    // An idle pool is served in rotation, not always by its first backend.
    @Test
    void idlePoolRotates() {
        Balanced pool = pool(backends(1, 1, 1));
        assertThat(picks(pool, 6)).isEqualTo("a b c a b c");
    }

    // The backend with the fewest in-flight requests wins, whatever the rotation says.
    @Test
    void fewestInFlightWins() {
        List<Backend> bs = backends(1, 1, 1);
        Balanced pool = pool(bs);
        inFlight(bs.get(0), 3);
        inFlight(bs.get(1), 1);
        inFlight(bs.get(2), 2);
        assertThat(picks(pool, 3)).isEqualTo("b b b");
    }

    // Ties among the least loaded rotate among exactly those: a busy, b and c alternate.
    @Test
    void tiesRotateAmongTheLeastLoaded() {
        List<Backend> bs = backends(1, 1, 1);
        Balanced pool = pool(bs);
        inFlight(bs.get(0), 1);
        assertThat(picks(pool, 4)).isEqualTo("b c b c");
    }

    // In-flight counts are weighed: 4 in flight at weight 4 is less load than 2 at weight 1.
    @Test
    void loadIsInFlightPerWeight() {
        List<Backend> bs = backends(4, 1);
        Balanced pool = pool(bs);
        inFlight(bs.get(0), 4);
        inFlight(bs.get(1), 2);
        assertThat(picks(pool, 2)).isEqualTo("a a");
        inFlight(bs.get(0), 5);
        assertThat(picks(pool, 2)).isEqualTo("b b");
    }

    // Simulated: every pick stays in flight; counts stay proportional to weights 3:1.
    @Test
    void heldRequestsSpreadByWeight() {
        List<Backend> bs = backends(3, 1);
        Balanced pool = pool(bs);
        for (int i = 0; i < 400; i++) {
            pool.pick(RequestContext.NONE).requestStarted();
        }
        assertThat(bs.get(0).inFlight()).isEqualTo(300);
        assertThat(bs.get(1).inFlight()).isEqualTo(100);
    }

    private static int port(Backend b) {
        return b.address().port();
    }

    // A pool larger than the window: idle, the rotating window start gives plain rotation.
    @Test
    void largeIdlePoolRotatesThroughTheWindow() {
        int[] weights = new int[40];
        java.util.Arrays.fill(weights, 1);
        Balanced pool = pool(backends(weights));
        for (int i = 0; i < 80; i++) {
            assertThat(port(pool.pick(RequestContext.NONE))).isEqualTo(i % 40 + 1);
        }
    }

    // A pool larger than the window: the least loaded backend wins whenever the
    // window covers it (starts 5..20 for backend 21 of 40), else the window's first.
    @Test
    void largePoolPicksTheLeastLoadedInTheWindow() {
        int[] weights = new int[40];
        java.util.Arrays.fill(weights, 1);
        List<Backend> bs = backends(weights);
        for (int i = 0; i < 40; i++) {
            inFlight(bs.get(i), i == 20 ? 0 : 1);
        }
        Balanced pool = pool(bs);
        int window = LeastConnectionsStrategy.WINDOW;
        for (int start = 0; start < 40; start++) {
            int expected = start >= 21 - window && start <= 20 ? 21 : start + 1;
            assertThat(port(pool.pick(RequestContext.NONE))).as("window from %d", start).isEqualTo(expected);
        }
    }
}
