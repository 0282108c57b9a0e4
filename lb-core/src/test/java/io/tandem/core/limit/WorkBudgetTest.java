package io.tandem.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The share of a thread's time slow work may take: burst, debt, refill, on a fake clock. */
class WorkBudgetTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 1_000_000 * MS;

    // A full bucket lets work start; each piece pays what it took, and the last may overdraw it.
    @Test
    void burstThenDebt() {
        WorkBudget b = new WorkBudget(0.25, 100 * MS, T0);
        assertThat(b.mayStart(T0)).isTrue();
        b.spent(60 * MS, T0);
        assertThat(b.mayStart(T0)).isTrue();
        b.spent(60 * MS, T0);
        // 100 - 120 = -20 ms: in debt, nothing starts; at 25 % the debt plus 1 ns takes 80 ms + 4 ns.
        assertThat(b.mayStart(T0)).isFalse();
        assertThat(b.waitNanos(T0)).isEqualTo(80 * MS + 4);
        assertThat(b.mayStart(T0 + 80 * MS)).isFalse();
        assertThat(b.mayStart(T0 + 80 * MS + 4)).isTrue();
        assertThat(b.waitNanos(T0 + 80 * MS + 4)).isZero();
    }

    // Unspent time accumulates only up to the burst.
    @Test
    void refillStopsAtTheBurst() {
        WorkBudget b = new WorkBudget(0.5, 10 * MS, T0);
        b.spent(10 * MS, T0);
        assertThat(b.mayStart(T0)).isFalse();
        // An hour idle fills it to 10 ms, not more: 10 ms of work empties it again.
        long later = T0 + TimeUnit.HOURS.toNanos(1);
        b.spent(10 * MS, later);
        assertThat(b.mayStart(later)).isFalse();
        assertThat(b.waitNanos(later)).isEqualTo(2);
    }

    // Over a long stretch the work's share of the time is the budget's share.
    @Test
    void longRunShare() {
        WorkBudget b = new WorkBudget(0.1, 50 * MS, T0);
        long now = T0;
        long worked = 0;
        long end = T0 + TimeUnit.SECONDS.toNanos(100);
        while (now < end) {
            if (b.mayStart(now)) {
                b.spent(5 * MS, now + 5 * MS);
                worked += 5 * MS;
                now += 5 * MS;
            } else {
                now += MS;
            }
        }
        // 10 % of 100 s plus the initial burst (50 ms), give or take the last piece (5 ms).
        assertThat(worked).isBetween(10_045 * MS, 10_055 * MS);
    }

    // A clock that reads the same or earlier adds nothing.
    @Test
    void noRefillWithoutElapsedTime() {
        WorkBudget b = new WorkBudget(1, 10 * MS, T0);
        b.spent(10 * MS, T0);
        assertThat(b.mayStart(T0 - MS)).isFalse();
        assertThat(b.mayStart(T0 + MS)).isTrue();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new WorkBudget(0, MS, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorkBudget(1.5, MS, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorkBudget(0.5, 0, T0)).isInstanceOf(IllegalArgumentException.class);
    }
}
