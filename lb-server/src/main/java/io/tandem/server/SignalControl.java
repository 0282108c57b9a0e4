package io.tandem.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The daemon's signals: SIGHUP reloads; SIGTERM or SIGINT start a graceful
 * shutdown; a second SIGTERM/SIGINT during it exits at once (status 1).
 * Handlers run on the JVM's signal thread and only hand work off.
 */
final class SignalControl {

    private static final Logger log = LoggerFactory.getLogger(SignalControl.class);

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    /**
     * Installs the handlers. {@code reload} runs for each SIGHUP (it must not
     * block); {@code stop} runs once, on a thread of its own.
     */
    void install(Runnable reload, Runnable stop) {
        Signal.handle(new Signal("HUP"), s -> {
            log.info("SIGHUP: reloading the config");
            reload.run();
        });
        Signal.handle(new Signal("TERM"), s -> onStop("SIGTERM", stop));
        Signal.handle(new Signal("INT"), s -> onStop("SIGINT", stop));
    }

    private void onStop(String signal, Runnable stop) {
        if (!stopping.compareAndSet(false, true)) {
            log.warn("{} again: exiting now, without waiting for requests in flight", signal);
            Runtime.getRuntime().halt(Main.FAILURE);
            return;
        }
        log.info("{}: shutting down gracefully (send it again to exit at once)", signal);
        Thread t = new Thread(() -> {
            try {
                stop.run();
            } finally {
                stopped.countDown();
            }
        }, "tandem-shutdown");
        t.start();
    }

    /** Blocks until the stop action has run. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }
}
