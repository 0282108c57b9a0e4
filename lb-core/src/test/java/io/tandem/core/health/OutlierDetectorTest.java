package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.OutlierConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {

    private static final long S = 1_000_000_000L;

    private static OutlierDetector detector(int failures, int fivexx, int percent, int backends) {
        return new OutlierDetector(new OutlierConfig(failures, fivexx, Duration.ofSeconds(30), Duration.ofSeconds(300),
                percent), backends);
    }

    // The fifth connection failure in a row asks for an ejection; a response in between resets the run.
    @Test
    void consecutiveFailuresReachTheThreshold() {
        OutlierDetector d = detector(5, 0, 50, 4);
        for (int k = 0; k < 4; k++) {
            assertThat(d.connectionFailed(0)).isFalse();
        }
        d.responded(0, 200);
        assertThat(d.consecutiveFailures(0)).isZero();
        for (int k = 0; k < 4; k++) {
            assertThat(d.connectionFailed(0)).isFalse();
        }
        assertThat(d.connectionFailed(0)).isTrue();
    }

    // consecutive-5xx counts 5xx answers only; a 404 ends the run; 0 turns it off.
    @Test
    void fivexxRuns() {
        OutlierDetector d = detector(5, 3, 50, 4);
        assertThat(d.responded(1, 500)).isFalse();
        assertThat(d.responded(1, 503)).isFalse();
        assertThat(d.responded(1, 404)).isFalse();
        assertThat(d.responded(1, 502)).isFalse();
        assertThat(d.responded(1, 500)).isFalse();
        assertThat(d.responded(1, 599)).isTrue();
        OutlierDetector off = detector(5, 0, 50, 4);
        for (int k = 0; k < 100; k++) {
            assertThat(off.responded(1, 500)).isFalse();
        }
    }

    // Repeat ejections double the time (30s, 60s, 120s, 240s) up to the cap (300s).
    @Test
    void repeatsDoubleUpToTheCap() {
        OutlierDetector d = detector(5, 0, 100, 1);
        long now = 0;
        long[] expected = {30, 60, 120, 240, 300, 300};
        for (long seconds : expected) {
            assertThat(d.eject(0, now)).isEqualTo(seconds * S);
            assertThat(d.isEjected(0)).isTrue();
            now += seconds * S;
            assertThat(d.due(now - 1)).isEmpty();
            assertThat(d.due(now)).containsExactly(0);
            now += S; // fails again one second after it returned
        }
    }

    // A backend that stayed in for longer than max-ejection-time starts again at ejection-time.
    @Test
    void quietPeriodResetsTheRepeats() {
        OutlierDetector d = detector(5, 0, 100, 1);
        assertThat(d.eject(0, 0)).isEqualTo(30 * S);
        assertThat(d.due(30 * S)).containsExactly(0);
        assertThat(d.eject(0, 31 * S)).isEqualTo(60 * S);
        assertThat(d.due(91 * S)).containsExactly(0);
        assertThat(d.eject(0, 91 * S + 301 * S)).isEqualTo(30 * S);
    }

    // With 50% of three backends only one is ejected at a time; a second must wait for the first to return.
    @Test
    void maxEjectedPercentCapsEjections() {
        OutlierDetector d = detector(5, 0, 50, 3);
        assertThat(d.maxEjected()).isEqualTo(1);
        assertThat(d.eject(0, 0)).isEqualTo(30 * S);
        assertThat(d.eject(1, 0)).isZero();
        assertThat(d.isEjected(1)).isFalse();
        assertThat(d.release(0, S)).isTrue();
        assertThat(d.eject(1, S)).isEqualTo(30 * S);
        assertThat(detector(5, 0, 50, 1).eject(0, 0)).isZero();
    }

    // An ejection resets the counters, and nextDueNanos names the nearest return.
    @Test
    void ejectionResetsCountersAndReportsNextDue() {
        OutlierDetector d = detector(2, 0, 100, 2);
        d.connectionFailed(0);
        assertThat(d.connectionFailed(0)).isTrue();
        assertThat(d.eject(0, 0)).isEqualTo(30 * S);
        assertThat(d.consecutiveFailures(0)).isZero();
        assertThat(d.eject(1, 10 * S)).isEqualTo(30 * S);
        assertThat(d.nextDueNanos(20 * S)).isEqualTo(10 * S);
        assertThat(d.due(30 * S)).containsExactly(0);
        assertThat(d.nextDueNanos(30 * S)).isEqualTo(10 * S);
        assertThat(d.due(40 * S)).containsExactly(1);
        assertThat(d.nextDueNanos(40 * S)).isEqualTo(-1);
    }
}
