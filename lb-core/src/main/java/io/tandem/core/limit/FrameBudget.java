package io.tandem.core.limit;

/**
 * How many frames of one kind a peer may send per window of time: a fixed
 * window counter. HTTP/2 makes a server answer every PING and SETTINGS frame
 * and lets a client open and reset streams at will; a peer that does so faster
 * than any real client would is flooding (CVE-2019-9512, -9515; CVE-2023-44487
 * for resets), and the connection is cut once the budget of the current window
 * is spent. A fixed window (not a sliding one) suffices: at worst a peer gets
 * twice the budget across a window boundary, and the count costs one
 * comparison per frame.
 *
 * <p>Time comes from the caller (the event loop's ticker; tests pin it). Not
 * thread-safe: one per connection, confined to its event loop.
 */
public final class FrameBudget {

    private final int perWindow;
    private final long windowNanos;
    private long windowStart;
    private int spent;
    private boolean started;

    /**
     * @param perWindow   frames allowed in one window (at least 1)
     * @param windowNanos the window's length
     */
    public FrameBudget(int perWindow, long windowNanos) {
        if (perWindow < 1 || windowNanos <= 0) {
            throw new IllegalArgumentException("a budget needs at least one frame per positive window");
        }
        this.perWindow = perWindow;
        this.windowNanos = windowNanos;
    }

    /**
     * Counts one frame received at {@code nowNanos}: true while the current
     * window's budget holds it, false from the first frame beyond it (the peer
     * is flooding). A window starts at the first frame after the previous one ended.
     */
    public boolean spend(long nowNanos) {
        if (!started || nowNanos - windowStart >= windowNanos) {
            started = true;
            windowStart = nowNanos;
            spent = 0;
        }
        return ++spent <= perWindow;
    }
}
