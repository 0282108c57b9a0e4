package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ProbeScheduleTest {

    private static final long MS = 1_000_000L;

    /** A random source that returns the given values in turn. */
    private static RandomGenerator pinned(double... values) {
        return new RandomGenerator() {
            int i;

            @Override
            public long nextLong() {
                throw new AssertionError("ProbeSchedule is expected to draw doubles only");
            }

            @Override
            public double nextDouble() {
                return values[i++ % values.length];
            }
        };
    }

    // The first check lands at the drawn share of the interval, or of down-interval for a down backend.
    @Test
    void firstDelayIsADrawnShareOfTheInterval() {
        ProbeSchedule s = new ProbeSchedule(Duration.ofSeconds(2), Duration.ofMillis(500), pinned(0.25, 0.5));
        assertThat(s.firstDelayNanos(false)).isEqualTo(500 * MS);
        assertThat(s.firstDelayNanos(true)).isEqualTo(250 * MS);
    }

    // The next delay counts from the check's start and is shortened by at most 10% of the interval.
    @Test
    void nextDelayCountsFromTheStartWithNegativeJitter() {
        ProbeSchedule s = new ProbeSchedule(Duration.ofMillis(1000), Duration.ofMillis(200), pinned(0.0, 0.999999, 0.5));
        // started at 0, ended at 30 ms: 1000 - 0 - 30
        assertThat(s.nextDelayNanos(0, 30 * MS, false)).isEqualTo(970 * MS);
        // jitter 0.999999 × 10% of 1000 ms ≈ 100 ms early
        assertThat(s.nextDelayNanos(0, 0, false)).isBetween(900 * MS, 900 * MS + 1000);
        // down: 200 ms − 10 ms jitter − 50 ms elapsed
        assertThat(s.nextDelayNanos(10 * MS, 60 * MS, true)).isEqualTo(140 * MS);
    }

    // A check that outlasted the interval is followed at once, never overlapped.
    @Test
    void slowCheckIsFollowedImmediately() {
        ProbeSchedule s = new ProbeSchedule(Duration.ofMillis(100), Duration.ofMillis(100), pinned(0.5));
        assertThat(s.nextDelayNanos(0, 400 * MS, false)).isZero();
    }

    // 100 backends get 100 different first checks spread over the whole interval, not one burst.
    @Test
    void hundredBackendsAreSpread() {
        ProbeSchedule s = new ProbeSchedule(Duration.ofSeconds(1), Duration.ofSeconds(1), new Random(7));
        Set<Long> tenths = new HashSet<>();
        Set<Long> delays = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            long d = s.firstDelayNanos(false);
            assertThat(d).isBetween(0L, 1000 * MS - 1);
            delays.add(d);
            tenths.add(d / (100 * MS));
        }
        assertThat(delays).hasSize(100);
        assertThat(tenths).hasSize(10);
    }
}
