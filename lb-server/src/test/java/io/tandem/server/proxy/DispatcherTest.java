package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.server.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher on a real event loop: passes, order, the bound and skipped jobs. */
class DispatcherTest {

    private EventLoopGroup group;
    private EventLoop loop;
    private final List<Integer> started = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        group = Transport.nio().newGroup(1, "dispatcher-test");
        loop = group.next();
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private class Job implements Dispatcher.Job {
        final int id;
        boolean ended;

        Job(int id) {
            this.id = id;
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public void start() {
            started.add(id);
        }
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(work.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits, by round trips through the loop (each one a pass), until
     * {@code count} jobs have started, for at most 10 s. No sleeping: the loop
     * starts the rest within a few passes.
     */
    private void awaitStarted(int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(started::size) < count && System.nanoTime() < deadline) {
            // Next pass.
        }
        assertThat(started).hasSize(count);
    }

    // 150 requests in one pass: 64 start at once, the rest wait; at most 64 start per pass
    // after that, and all start in the order they came.
    @Test
    void startsAtMostTheBoundPerPassInArrivalOrder() throws Exception {
        Dispatcher dispatcher = new Dispatcher(64);
        List<Integer> seenByNextTask = new ArrayList<>();
        int waitingAfterSubmit = onLoop(() -> {
            for (int i = 0; i < 150; i++) {
                dispatcher.submit(new Job(i), loop);
            }
            // A task queued now runs in this pass, before the end of the pass starts more.
            loop.execute(() -> seenByNextTask.add(started.size()));
            return dispatcher.waiting();
        });
        assertThat(waitingAfterSubmit).isEqualTo(86);
        awaitStarted(150);
        assertThat(seenByNextTask).containsExactly(64);
        assertThat(started).containsExactlyElementsOf(IntStream.range(0, 150).boxed().collect(Collectors.toList()));
        assertThat(onLoop(dispatcher::waiting)).isZero();
    }

    // Each later pass starts at most the bound: of 200, the end of the first pass starts
    // 64 more, not all, and the next 64 wait for the end of the next pass.
    @Test
    void theEndOfAPassStartsNoMoreThanTheBound() throws Exception {
        Dispatcher dispatcher = new Dispatcher(64);
        List<Integer> atEndOfFirstPass = new ArrayList<>();
        List<Integer> inSecondPass = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < 200; i++) {
                dispatcher.submit(new Job(i), loop);
            }
            // Registered after the dispatcher's own end-of-pass task, so it runs right after it.
            ((io.netty.channel.SingleThreadEventLoop) loop).executeAfterEventLoopIteration(() -> {
                atEndOfFirstPass.add(started.size());
                // Runs among the next pass's tasks, before that pass ends.
                loop.execute(() -> inSecondPass.add(started.size()));
            });
            return null;
        });
        awaitStarted(200);
        assertThat(atEndOfFirstPass).containsExactly(128);
        assertThat(inSecondPass).containsExactly(128);
    }

    // A request whose client left while it waited is not started; the ones behind it move up.
    @Test
    void skipsJobsThatEndedWhileWaiting() throws Exception {
        Dispatcher dispatcher = new Dispatcher(2);
        onLoop(() -> {
            List<Job> jobs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Job job = new Job(i);
                jobs.add(job);
                dispatcher.submit(job, loop);
            }
            jobs.get(2).ended = true;
            jobs.get(4).ended = true;
            return null;
        });
        awaitStarted(4);
        assertThat(started).containsExactly(0, 1, 3, 5);
    }

    // A start that lets another request in (a failed attempt lets the client's next pipelined
    // request go) queues it behind the waiting ones, for a later pass, not a second end of this one.
    @Test
    void aRequestSubmittedWhileStartingWaitsItsTurn() throws Exception {
        Dispatcher dispatcher = new Dispatcher(2);
        List<Integer> inNextPass = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < 4; i++) {
                int id = i;
                dispatcher.submit(id != 2 ? new Job(id) : new Job(id) {
                    @Override
                    public void start() {
                        super.start();
                        dispatcher.submit(new Job(9), loop);
                        loop.execute(() -> inNextPass.add(started.size()));
                    }
                }, loop);
            }
            return null;
        });
        awaitStarted(5);
        assertThat(started).containsExactly(0, 1, 2, 3, 9);
        assertThat(inNextPass).containsExactly(4);
    }

    // While others wait, a new request queues behind them even when this pass has room left.
    @Test
    void aNewRequestNeverOvertakesWaitingOnes() throws Exception {
        Dispatcher dispatcher = new Dispatcher(3);
        onLoop(() -> {
            for (int i = 0; i < 5; i++) {
                dispatcher.submit(new Job(i), loop);
            }
            return null;
        });
        awaitStarted(5);
        // The queue is empty again: the next request starts at once, inside the submitting task.
        int startedInline = onLoop(() -> {
            dispatcher.submit(new Job(5), loop);
            return started.size();
        });
        assertThat(startedInline).isEqualTo(6);
        assertThat(started).containsExactly(0, 1, 2, 3, 4, 5);
    }

    // A loop without passes (the embedded one of unit tests) starts everything at once.
    @Test
    void aLoopWithoutPassesStartsAtOnce() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Dispatcher dispatcher = new Dispatcher(1);
        for (int i = 0; i < 3; i++) {
            dispatcher.submit(new Job(i), channel.eventLoop());
        }
        assertThat(started).containsExactly(0, 1, 2);
        assertThat(dispatcher.waiting()).isZero();
        channel.finishAndReleaseAll();
    }
}
