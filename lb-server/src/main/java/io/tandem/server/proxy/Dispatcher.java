package io.tandem.server.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;

/**
 * Starts requests towards backends in the order they arrived, at most
 * {@link #PER_PASS} per pass of the event loop; the rest wait here, first
 * come first served, and start at the end of this pass and the next ones. One
 * per event loop, no locks.
 *
 * <p>Why: when a loop has more ready connections than it can serve in one
 * pass (a thousand busy clients on one core), sending every request at once
 * moves the queue into the kernel: hundreds of requests wait at the backend
 * and hundreds of answers in the loop's epoll ready list, and the kernel does
 * not keep these lists in order (events that arrive while a process collects
 * its ready ones go back to the head, in reverse). Each request then waits
 * anywhere between half a pass and two: the median was good, the 99th
 * percentile 20-30 % worse than HAProxy's. Bounding what is started per pass
 * keeps the kernel's queues short and the waiting here, in order, as HAProxy's
 * run queue does; docs/benchmarks.md has the traces and numbers. Below the
 * bound, which is all but the busiest moments, every request starts at once,
 * exactly as it would without this class.
 */
final class Dispatcher {

    /** Something to start once its turn comes; skipped if it ended while waiting. */
    interface Job {
        boolean ended();

        void start();
    }

    /**
     * Starts per pass of the loop. At 1000 connections 200 left the p99 20 %
     * above HAProxy's and 32 did no better than 64 (docs/benchmarks.md); with
     * fewer new requests per pass nothing ever waits.
     */
    static final int PER_PASS = 64;

    private static final FastThreadLocal<Dispatcher> PER_LOOP = new FastThreadLocal<>() {
        @Override
        protected Dispatcher initialValue() {
            return new Dispatcher(PER_PASS);
        }
    };

    private final int perPass;
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final Runnable endOfPass = this::endOfPass;
    private final Runnable nextPass = this::nextPass;
    private SingleThreadEventLoop loop;
    /** Jobs started since the last end of a pass. */
    private int started;
    /** {@link #endOfPass} is registered to run after the current pass. */
    private boolean registered;

    Dispatcher(int perPass) {
        this.perPass = perPass;
    }

    /** The dispatcher of the calling event loop. */
    static Dispatcher current() {
        return PER_LOOP.get();
    }

    /** Starts {@code job} now if its turn has come, or queues it behind the ones waiting. */
    void submit(Job job, EventLoop eventLoop) {
        if (!(eventLoop instanceof SingleThreadEventLoop)) {
            // A loop without an end-of-pass hook has no passes to share out.
            job.start();
            return;
        }
        loop = (SingleThreadEventLoop) eventLoop;
        registerEndOfPass();
        if (waiting.isEmpty() && started < perPass) {
            started++;
            job.start();
        } else {
            waiting.add(job);
        }
    }

    /** Jobs waiting for a later pass. */
    int waiting() {
        return waiting.size();
    }

    private void registerEndOfPass() {
        if (!registered) {
            registered = true;
            loop.executeAfterEventLoopIteration(endOfPass);
        }
    }

    private void endOfPass() {
        started = 0;
        Job job;
        while (started < perPass && (job = waiting.poll()) != null) {
            if (!job.ended()) {
                started++;
                // May submit again (a failed start lets the client's next pipelined request
                // go): that one starts within this pass's count or queues; still registered,
                // it cannot add a second end of this pass.
                job.start();
            }
        }
        registered = false;
        if (!waiting.isEmpty()) {
            // Registering from here would run it again in this same pass (the loop
            // runs end-of-pass tasks until none is left): a plain task registers it
            // during the next pass, after that pass's I/O.
            loop.execute(nextPass);
        }
    }

    private void nextPass() {
        registerEndOfPass();
    }
}
