package io.tandem.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrameBudgetTest {

    private static final long SECOND = 1_000_000_000L;

    // The budget's frames pass, the next one in the same window does not.
    @Test
    void budgetHoldsThenRefuses() {
        FrameBudget b = new FrameBudget(3, SECOND);
        assertThat(b.spend(0)).isTrue();
        assertThat(b.spend(10)).isTrue();
        assertThat(b.spend(SECOND - 1)).isTrue();
        assertThat(b.spend(SECOND - 1)).isFalse();
    }

    // A new window starts once the previous one has passed: the count begins again.
    @Test
    void windowRestartsTheCount() {
        FrameBudget b = new FrameBudget(2, SECOND);
        assertThat(b.spend(5)).isTrue();
        assertThat(b.spend(6)).isTrue();
        assertThat(b.spend(7)).isFalse();
        assertThat(b.spend(5 + SECOND)).isTrue();
        assertThat(b.spend(5 + SECOND)).isTrue();
        assertThat(b.spend(5 + SECOND + 1)).isFalse();
    }

    // The window starts at the first frame, not at zero: a quiet peer's first burst gets the whole budget.
    @Test
    void windowStartsAtFirstFrame() {
        FrameBudget b = new FrameBudget(1, SECOND);
        assertThat(b.spend(10 * SECOND + 7)).isTrue();
        assertThat(b.spend(11 * SECOND + 6)).isFalse();
        assertThat(b.spend(11 * SECOND + 7)).isTrue();
    }

    // A negative ticker (System.nanoTime may be negative) works as any other.
    @Test
    void negativeTimes() {
        FrameBudget b = new FrameBudget(1, SECOND);
        assertThat(b.spend(-5 * SECOND)).isTrue();
        assertThat(b.spend(-5 * SECOND + 1)).isFalse();
        assertThat(b.spend(-4 * SECOND)).isTrue();
    }

    // A budget of no frames or an empty window is a configuration mistake.
    @Test
    void refusesEmptyBudgets() {
        assertThatThrownBy(() -> new FrameBudget(0, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameBudget(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
