package io.tandem.core.health;

import static io.tandem.core.health.Transition.CHANGED;
import static io.tandem.core.health.Transition.CHANGE_PENDING;
import static io.tandem.core.health.Transition.UNCHANGED;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.HealthCheckSession.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckSessionTest {

    /** Feeds results ('+' pass, '-' fail) and returns the transition of each. */
    private static List<Transition> feed(HealthCheckSession s, String results) {
        List<Transition> out = new ArrayList<>();
        for (char c : results.toCharArray()) {
            out.add(c == '+' ? s.passed() : s.failed());
        }
        return out;
    }

    // An up backend goes down on exactly the fall-th failure in a row, and comes back on the rise-th pass.
    @Test
    void fallThenRise() {
        HealthCheckSession s = HealthCheckSession.up(2, 3);
        assertThat(feed(s, "---")).containsExactly(CHANGE_PENDING, CHANGE_PENDING, CHANGED);
        assertThat(s.status()).isEqualTo(Status.DOWN);
        assertThat(feed(s, "-++")).containsExactly(UNCHANGED, CHANGE_PENDING, CHANGED);
        assertThat(s.status()).isEqualTo(Status.UP);
    }

    // A pass between failures resets the run: two failures, a pass, two failures leave it up.
    @Test
    void interruptedRunDoesNotCount() {
        HealthCheckSession s = HealthCheckSession.up(2, 3);
        assertThat(feed(s, "--+--")).containsExactly(CHANGE_PENDING, CHANGE_PENDING, UNCHANGED, CHANGE_PENDING,
                CHANGE_PENDING);
        assertThat(s.status()).isEqualTo(Status.UP);
        assertThat(s.consecutiveFailures()).isEqualTo(2);
    }

    // The first result of an unchecked backend decides at once, either way.
    @Test
    void firstResultDecides() {
        HealthCheckSession good = HealthCheckSession.unchecked(3, 3);
        assertThat(good.passed()).isEqualTo(CHANGED);
        assertThat(good.status()).isEqualTo(Status.UP);
        HealthCheckSession bad = HealthCheckSession.unchecked(3, 3);
        assertThat(bad.failed()).isEqualTo(CHANGED);
        assertThat(bad.status()).isEqualTo(Status.DOWN);
        assertThat(feed(bad, "+++")).containsExactly(CHANGE_PENDING, CHANGE_PENDING, CHANGED);
    }

    // A backend flapping on every check with rise=fall=2 never changes state in 100 checks.
    @Test
    void flappingEveryCheckNeverChanges() {
        HealthCheckSession s = HealthCheckSession.up(2, 2);
        List<Transition> t = feed(s, "-+".repeat(50));
        assertThat(t).doesNotContain(CHANGED);
        assertThat(s.status()).isEqualTo(Status.UP);
    }

    // Flapping in runs of exactly fall/rise changes state once per run, never more often.
    @Test
    void flappingInRunsChangesOncePerRun() {
        HealthCheckSession s = HealthCheckSession.up(2, 3);
        List<Transition> t = feed(s, "---++---++");
        assertThat(t).containsExactly(CHANGE_PENDING, CHANGE_PENDING, CHANGED, CHANGE_PENDING, CHANGED,
                CHANGE_PENDING, CHANGE_PENDING, CHANGED, CHANGE_PENDING, CHANGED);
        assertThat(t.stream().filter(x -> x == CHANGED).count()).isEqualTo(4);
    }
}
