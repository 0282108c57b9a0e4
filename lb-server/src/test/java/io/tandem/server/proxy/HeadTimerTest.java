package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which time runs while a connection waits for a head (header 3 s, idle 10 s), and what its expiry means. */
class HeadTimerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private EmbeddedChannel channel;
    private HeadTimer timer;
    /** At each expiry: whether it caught a head under way. */
    private final List<Boolean> fired = new ArrayList<>();

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        timer = new HeadTimer(3 * SECOND, 10 * SECOND, () -> fired.add(timer.midHead()));
        timer.start(channel.eventLoop());
    }

    @AfterEach
    void tearDown() {
        timer.stop();
        assertFalse(channel.finishAndReleaseAll());
    }

    private void advanceSeconds(long seconds) {
        for (long i = 0; i < seconds; i++) {
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    // A new connection that sends nothing: the header time runs out, and there is no head to answer.
    @Test
    void silentConnectionExpiresWithoutAHead() {
        timer.awaitHead();
        advanceSeconds(2);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly(false);
    }

    // A head trickled in from its first byte: the header time from that byte, and the expiry is mid-head (408).
    @Test
    void trickledHeadExpiresMidHead() {
        timer.awaitHead();
        advanceSeconds(2);
        timer.headStarted(true);
        advanceSeconds(2);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly(true);
    }

    // After a response the idle time runs (10 s), and a complete head stops the wait.
    @Test
    void idleBetweenRequests() {
        timer.awaitHead();
        timer.headStarted(true);
        timer.headArrived();
        advanceSeconds(20);
        assertThat(fired).isEmpty();
        timer.awaitNext();
        advanceSeconds(9);
        assertThat(fired).isEmpty();
        advanceSeconds(1);
        assertThat(fired).containsExactly(false);
    }

    // A pipelined head that began while an exchange ran: after the response its header time runs, not idle.
    @Test
    void headBegunDuringAnExchangeGetsTheHeaderTime() {
        timer.headStarted(false);
        advanceSeconds(20);
        assertThat(fired).isEmpty();
        timer.awaitNext();
        advanceSeconds(3);
        assertThat(fired).containsExactly(true);
    }
}
