package io.tandem.server.proxy;

/**
 * The pool's response timeout for one exchange, run on its client
 * connection's one {@link ConnectionTimer} (which the exchange borrows while
 * it waits for a backend): once the request is sent the backend has that long
 * for its answer's head, and, as nginx's {@code proxy_read_timeout}, for each
 * next part of the body. Disarmed while the client cannot take more, since the
 * wait is then the client's.
 *
 * <p>One per exchange; confined to the client channel's event loop.
 */
final class ResponseDeadline implements Runnable {

    private final ConnectionTimer timer;
    private final long timeoutNanos;
    private final Runnable onExpiry;
    private boolean armed;

    ResponseDeadline(ConnectionTimer timer, long timeoutNanos, Runnable onExpiry) {
        this.timer = timer;
        this.timeoutNanos = timeoutNanos;
        this.onExpiry = onExpiry;
    }

    /** The request is sent: the answer is due, unless the deadline already runs. */
    void awaitAnswer() {
        if (!armed) {
            armed = true;
            timer.arm(timeoutNanos, this);
        }
    }

    /** A part of the response came: the next is due within the timeout from now. */
    void awaitMore() {
        armed = true;
        timer.arm(timeoutNanos, this);
    }

    /** The timer fired: the backend is late. */
    @Override
    public void run() {
        armed = false;
        onExpiry.run();
    }

    /** Nothing is due from the backend now (an answer came, the client is slow, or the exchange ended). */
    void cancel() {
        if (armed) {
            armed = false;
            timer.disarm();
        }
    }
}
