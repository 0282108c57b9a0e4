package io.tandem.core.announce;

import java.time.Duration;

/**
 * When an announcing node (N active nodes behind a router's ECMP) announces and withdraws its VIPs.
 *
 * <p>The route is announced only while the node is ready: a router sends new flows to every node that
 * announces, so a node that is not ready (listeners not bound, a pool without a live backend, the warm-up
 * not done) must not be in the set. A drain or a stop withdraws <em>first</em> and keeps the node serving for
 * {@code withdrawWait}, the router's time to stop sending new flows; only then does it drain its connections
 * ({@link AnnounceAction#DRAIN}). A drained node comes back with enable, and is announced only once ready
 * again, never on the enable itself.
 *
 * <p>Pure: every input carries the time (monotonic nanoseconds); no clock, no I/O. The owner calls
 * {@link #tick} at its check interval and acts on each returned action. Not thread-safe: one thread (the
 * announcer's) drives it.
 */
public final class AnnounceStateMachine {

    private final long withdrawWaitNanos;
    private AnnounceState state = AnnounceState.NOT_READY;
    /** Whether the WITHDRAWING state ends in STOPPED (a stop) rather than DRAINED (a drain). */
    private boolean stopping;
    /** When the route was last withdrawn (nanos); the wait before a drain counts from here. */
    private long withdrawnAt;
    /** Whether the route was ever announced; a node that never announced has nothing to wait for. */
    private boolean everAnnounced;
    /** Why the node is where it is, for /status. */
    private String reason = "starting";

    public AnnounceStateMachine(Duration withdrawWait) {
        this.withdrawWaitNanos = withdrawWait.toNanos();
    }

    public AnnounceState state() {
        return state;
    }

    /** Why the node is in its state, e.g. "pool web has no backend up" or "drained by the admin API". */
    public String reason() {
        return reason;
    }

    /**
     * The periodic input: whether the node is ready now ({@code notReady} null) or why not. Announces a
     * ready node, withdraws one that lost readiness, and ends the withdraw wait of a drain or a stop.
     */
    public AnnounceAction tick(long now, String notReady) {
        switch (state) {
            case NOT_READY:
                if (notReady == null) {
                    state = AnnounceState.ANNOUNCED;
                    everAnnounced = true;
                    reason = "ready";
                    return AnnounceAction.ANNOUNCE;
                }
                reason = notReady;
                return AnnounceAction.NONE;
            case ANNOUNCED:
                if (notReady != null) {
                    state = AnnounceState.NOT_READY;
                    withdrawnAt = now;
                    reason = notReady;
                    return AnnounceAction.WITHDRAW;
                }
                return AnnounceAction.NONE;
            case WITHDRAWING:
                if (!everAnnounced || now - withdrawnAt >= withdrawWaitNanos) {
                    state = stopping ? AnnounceState.STOPPED : AnnounceState.DRAINED;
                    return AnnounceAction.DRAIN;
                }
                return AnnounceAction.NONE;
            default:
                return AnnounceAction.NONE;
        }
    }

    /**
     * The operator drains the node: withdraw now, drain after the wait. Repeating it changes nothing; a
     * stopping node stays stopping.
     */
    public AnnounceAction drain(long now) {
        if (state == AnnounceState.WITHDRAWING || state == AnnounceState.DRAINED
                || state == AnnounceState.STOPPED) {
            return AnnounceAction.NONE;
        }
        return withdrawFor(now, false, "drained by the admin API");
    }

    /**
     * The operator enables a drained (or draining) node again: it waits for readiness like a starting node,
     * and the next ready {@link #tick} announces it. On any other node it changes nothing.
     */
    public AnnounceAction enable(long now) {
        if (state != AnnounceState.DRAINED && !(state == AnnounceState.WITHDRAWING && !stopping)) {
            return AnnounceAction.NONE;
        }
        state = AnnounceState.NOT_READY;
        reason = "enabled; waiting to be ready";
        return AnnounceAction.NONE;
    }

    /**
     * The process stops (SIGTERM): withdraw now (again, if a drain already did: harmless) and let the stop
     * go on after the wait. The wait counts from the latest withdraw, so a drained node stops at once.
     */
    public AnnounceAction shutdown(long now) {
        if (state == AnnounceState.STOPPED) {
            return AnnounceAction.NONE;
        }
        if (state == AnnounceState.WITHDRAWING || state == AnnounceState.DRAINED
                || state == AnnounceState.NOT_READY) {
            // Already withdrawn: keep the time it was, so the wait is not served twice.
            state = AnnounceState.WITHDRAWING;
            stopping = true;
            reason = "stopping";
            return AnnounceAction.WITHDRAW;
        }
        return withdrawFor(now, true, "stopping");
    }

    /** Nanoseconds until a withdrawing node may drain (0 when it may now, or is not withdrawing). */
    public long nanosUntilDrain(long now) {
        if (state != AnnounceState.WITHDRAWING || !everAnnounced) {
            return 0;
        }
        return Math.max(0, withdrawnAt + withdrawWaitNanos - now);
    }

    private AnnounceAction withdrawFor(long now, boolean stop, String why) {
        state = AnnounceState.WITHDRAWING;
        stopping = stop;
        withdrawnAt = now;
        reason = why;
        return AnnounceAction.WITHDRAW;
    }
}
