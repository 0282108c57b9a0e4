package io.tandem.core.pool;

import java.time.Duration;

/**
 * Slow start: the weight of a backend that has just come back UP, as a
 * function of the time since it came back. It rises in ten equal steps from
 * the lowest non-zero effective weight (1/16 of a weight-1 backend) to the
 * full weight over the configured period, so a cold backend (empty caches,
 * JIT not warm, connection pools empty) is not handed its full share at once.
 *
 * <p>Pure and immutable: time is an input. {@link BackendPool} keeps each
 * backend's ramp start and asks this class for the weight; the server calls
 * {@link BackendPool#updateSlowStart()} every {@link #tickNanos()}.
 */
public final class SlowStart {

    private static final SlowStart NONE = new SlowStart(0);

    private static final int STEPS = 10;

    private final long periodNanos;

    private SlowStart(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /** Slow start over {@code period}; zero or negative means none. */
    public static SlowStart over(Duration period) {
        return period.isZero() || period.isNegative() ? NONE : new SlowStart(period.toNanos());
    }

    public static SlowStart none() {
        return NONE;
    }

    public boolean enabled() {
        return periodNanos > 0;
    }

    public long periodNanos() {
        return periodNanos;
    }

    /** How often the ramp steps: a tenth of the period, and not more often than every 10 ms. */
    public long tickNanos() {
        return Math.max(10_000_000L, periodNanos / STEPS);
    }

    /**
     * The effective weight {@code elapsedNanos} after the backend came back,
     * for a backend whose full effective weight is {@code fullWeight}.
     * Never below 1 (a zero weight would take it out of the pool) nor above
     * the full weight; the full weight once the period has passed.
     */
    public int weightAt(int fullWeight, long elapsedNanos) {
        if (!enabled() || elapsedNanos >= periodNanos || fullWeight <= 1) {
            return fullWeight;
        }
        // Ten steps: 0 %, 10 %, ... 90 % of the period. Calling more often than
        // every tenth changes nothing, so snapshots are rebuilt ten times per ramp.
        long step = Math.max(0, elapsedNanos) / tickOf(periodNanos);
        long w = fullWeight * Math.min(STEPS, step) / STEPS;
        return (int) Math.max(1, Math.min(fullWeight, w));
    }

    private static long tickOf(long periodNanos) {
        return Math.max(1, periodNanos / STEPS);
    }

    /** Whether a ramp that started {@code elapsedNanos} ago has ended. */
    public boolean finished(long elapsedNanos) {
        return !enabled() || elapsedNanos >= periodNanos;
    }
}
