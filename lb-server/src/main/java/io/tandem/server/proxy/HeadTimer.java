package io.tandem.server.proxy;

import io.netty.channel.EventLoop;

/**
 * A client connection's wait for a request head, on its one
 * {@link ConnectionTimer}: the listener's {@code header} time for a head
 * (from the connection's start, the TLS handshake's end, or the first byte of
 * a head, which {@link FrontendCodec} reports, so a client trickling a head
 * cannot hold the connection longer), and its {@code idle} time between
 * requests. It says what an expiry means ({@link #midHead}: 408 for a head
 * under way, else a silent close); exchanges borrow the same timer
 * ({@link #timer}) for their response timeout.
 *
 * <p>One per client connection (or HTTP/2 stream); confined to its event loop.
 */
final class HeadTimer {

    private final long headerNanos;
    private final long idleNanos;
    private final Runnable onExpiry;
    private ConnectionTimer timer;
    /** What is armed is the idle time (else the header time). */
    private boolean idle;
    /** Bytes of a request head arrived and the head is not complete yet. */
    private boolean headInProgress;

    HeadTimer(long headerNanos, long idleNanos, Runnable onExpiry) {
        this.headerNanos = headerNanos;
        this.idleNanos = idleNanos;
        this.onExpiry = onExpiry;
    }

    /** The connection is active on {@code loop}: the timer exists from now on. */
    void start(EventLoop loop) {
        timer = new ConnectionTimer(loop, Math.min(headerNanos, idleNanos));
    }

    /** The connection's one timer, which an exchange borrows for its response timeout; null before start. */
    ConnectionTimer timer() {
        return timer;
    }

    /** A head is due within the header time (a new connection, or one whose TLS handshake just ended). */
    void awaitHead() {
        arm(false);
    }

    /** The first byte of a head arrived; {@code waiting}: no exchange runs, so the head's time starts now. */
    void headStarted(boolean waiting) {
        headInProgress = true;
        if (waiting) {
            arm(false);
        }
    }

    /** A whole head arrived: nothing is due until the next wait. */
    void headArrived() {
        if (timer != null) {
            timer.disarm();
        }
        headInProgress = false;
    }

    /** The connection is free again: the idle time runs, or the header time when the next head began. */
    void awaitNext() {
        arm(!headInProgress);
    }

    /** Whether the expiry that fired caught a head under way (answered 408) rather than silence. */
    boolean midHead() {
        return !idle && headInProgress;
    }

    /** The connection closes or leaves this handler: the timer stops for good. */
    void stop() {
        if (timer != null) {
            timer.stop();
        }
    }

    private void arm(boolean idle) {
        this.idle = idle;
        timer.arm(idle ? idleNanos : headerNanos, onExpiry);
    }
}
