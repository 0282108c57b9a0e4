package io.tandem.server.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pings only while every loop runs the task of the previous tick; ticks are driven by the test. */
class EventLoopWatchdogTest {

    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
    private final List<EventExecutor> loops = new ArrayList<>();
    private final AtomicInteger pings = new AtomicInteger();

    EventLoopWatchdogTest() {
        group.forEach(loops::add);
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Waits until {@code loop} has run every task given to it so far (it runs them in order). */
    private static void drain(EventExecutor loop) {
        loop.submit(() -> { }).syncUninterruptibly();
    }

    // A stuck loop stops the pings (and gets no pile of tasks); once it runs again, the pings resume.
    @Test
    void aStuckLoopStopsThePings() throws InterruptedException {
        EventLoopWatchdog watchdog = new EventLoopWatchdog(loops, pings::incrementAndGet);
        loops.forEach(EventLoopWatchdogTest::drain);
        assertThat(watchdog.tick()).isTrue();
        assertThat(pings).hasValue(1);

        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loops.get(1).execute(() -> {
            stuck.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
        drain(loops.get(0));
        // The task of the first tick ran before the loop got stuck: this tick still pings.
        assertThat(watchdog.tick()).isTrue();
        drain(loops.get(0));
        assertThat(watchdog.tick()).isFalse();
        assertThat(watchdog.tick()).isFalse();
        assertThat(pings).hasValue(2);

        release.countDown();
        drain(loops.get(1));
        drain(loops.get(0));
        assertThat(watchdog.tick()).isTrue();
        assertThat(pings).hasValue(3);
    }
}
