package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The response timeout on the connection's timer: when it fires, what moves it, what stops it. */
class ResponseDeadlineTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private EmbeddedChannel channel;
    private final AtomicInteger fired = new AtomicInteger();
    private ResponseDeadline deadline;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        deadline = new ResponseDeadline(new ConnectionTimer(channel.eventLoop(), 10 * SECOND), 3 * SECOND,
                fired::incrementAndGet);
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finishAndReleaseAll());
    }

    private void advanceSeconds(long seconds) {
        for (long i = 0; i < seconds; i++) {
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    // The answer is due 3 s after the request went out, once; asking again does not move the deadline.
    @Test
    void answerIsDueOnceFromTheFirstCall() {
        deadline.awaitAnswer();
        advanceSeconds(2);
        deadline.awaitAnswer();
        advanceSeconds(1);
        assertThat(fired).hasValue(1);
        advanceSeconds(10);
        assertThat(fired).hasValue(1);
    }

    // Each part of the body moves the deadline: a backend that keeps sending is never late.
    @Test
    void eachPartMovesTheDeadline() {
        deadline.awaitAnswer();
        advanceSeconds(2);
        deadline.awaitMore();
        advanceSeconds(2);
        deadline.awaitMore();
        advanceSeconds(2);
        assertThat(fired).hasValue(0);
        advanceSeconds(1);
        assertThat(fired).hasValue(1);
    }

    // Cancelled (the client is slow, or the answer came), nothing fires; after firing it can be armed again.
    @Test
    void cancelledDeadlineDoesNotFire() {
        deadline.awaitAnswer();
        advanceSeconds(2);
        deadline.cancel();
        advanceSeconds(10);
        assertThat(fired).hasValue(0);
        deadline.awaitAnswer();
        advanceSeconds(3);
        assertThat(fired).hasValue(1);
        deadline.awaitAnswer();
        advanceSeconds(3);
        assertThat(fired).hasValue(2);
    }
}
