package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectionTimerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private EmbeddedChannel channel;
    private ConnectionTimer timer;
    private final List<String> fired = new ArrayList<>();

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        timer = new ConnectionTimer(channel.eventLoop(), 10 * SECOND);
    }

    private void advanceSeconds(long seconds) {
        for (long i = 0; i < seconds; i++) {
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    // An armed timeout fires once, at its deadline and not a second before.
    @Test
    void firesAtTheDeadline() {
        timer.arm(3 * SECOND, () -> fired.add("header"));
        advanceSeconds(2);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly("header");
        advanceSeconds(30);
        assertThat(fired).containsExactly("header");
    }

    // Re-arming replaces the action and moves the deadline; only the last one fires.
    @Test
    void rearmingReplacesTheDeadline() {
        timer.arm(5 * SECOND, () -> fired.add("idle"));
        advanceSeconds(4);
        timer.arm(5 * SECOND, () -> fired.add("header"));
        advanceSeconds(4);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly("header");
    }

    // A deadline longer than the period (60 s idle with a 10 s period) still fires exactly on time.
    @Test
    void longDeadlineSleepsInPeriods() {
        timer.arm(60 * SECOND, () -> fired.add("idle"));
        advanceSeconds(59);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly("idle");
    }

    // A deadline shorter than the pending wake-up (a 1 s response timeout after a 60 s idle) is not late.
    @Test
    void shorterDeadlineReschedules() {
        timer.arm(60 * SECOND, () -> fired.add("idle"));
        timer.arm(SECOND, () -> fired.add("response"));
        advanceSeconds(1);
        assertThat(fired).containsExactly("response");
    }

    // Disarmed or stopped, nothing fires.
    @Test
    void disarmAndStopSilence() {
        timer.arm(2 * SECOND, () -> fired.add("a"));
        timer.disarm();
        advanceSeconds(20);
        timer.arm(2 * SECOND, () -> fired.add("b"));
        timer.stop();
        advanceSeconds(20);
        assertThat(fired).isEmpty();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
