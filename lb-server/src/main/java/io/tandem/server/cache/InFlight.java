package io.tandem.server.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One backend fetch of a URL that other requests for it wait for (request
 * coalescing): a request that finds a fetch in flight adds itself with
 * {@link #await}, and the fetch's end runs every waiter once with whether it
 * succeeded (stored something, or refreshed it). Waiters run on the thread
 * that ends the fetch and must hand themselves to their own event loop.
 * Thread-safe.
 */
public final class InFlight {

    private List<Consumer<Boolean>> waiters = new ArrayList<>(2);
    private boolean ended;

    /** Adds a waiter; false when the fetch already ended (then look again). */
    public synchronized boolean await(Consumer<Boolean> waiter) {
        if (ended) {
            return false;
        }
        waiters.add(waiter);
        return true;
    }

    /** How many wait now (for /status and tests). */
    public synchronized int waiting() {
        return ended ? 0 : waiters.size();
    }

    void end(boolean succeeded) {
        List<Consumer<Boolean>> run;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            run = waiters;
            waiters = null;
        }
        for (Consumer<Boolean> w : run) {
            w.accept(succeeded);
        }
    }
}
