package io.tandem.core.limit;

/**
 * A share of one thread's time for slow work that must not starve the rest:
 * a bucket of nanoseconds, filled at {@code share} of the wall clock up to
 * {@code burst}, from which each piece of work pays what it really took. Work
 * may start while the bucket holds anything; one piece may overdraw it, and
 * the next waits until the refill has paid the debt. So over any long stretch
 * the work takes at most {@code share} of the thread (plus one piece), and a
 * thread that only rarely does such work can do a burst of it at once.
 *
 * <p>What it is for: an event loop checking a bcrypt password, which is slow
 * on purpose. A flood of new (or wrong) credentials could otherwise keep the
 * loop busy hashing while every other connection on it waits.
 *
 * <p>Time comes in as arguments (nanoseconds of one monotonic clock), so the
 * budget is pure and tests drive it. Not thread-safe: one budget per thread.
 */
public final class WorkBudget {

    private final double share;
    private final long burstNanos;
    private long level;
    private long filledAt;

    /**
     * @param share the fraction of the thread's time the work may take in the long run, in (0, 1]
     * @param burstNanos how much unspent time may accumulate (and be spent at once), > 0
     * @param nowNanos the clock's reading now; the bucket starts full
     */
    public WorkBudget(double share, long burstNanos, long nowNanos) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("share must be in (0, 1]: " + share);
        }
        if (burstNanos <= 0) {
            throw new IllegalArgumentException("burst must be positive: " + burstNanos);
        }
        this.share = share;
        this.burstNanos = burstNanos;
        this.level = burstNanos;
        this.filledAt = nowNanos;
    }

    /** Whether a piece of work may start now (the bucket is not empty or in debt). */
    public boolean mayStart(long nowNanos) {
        refill(nowNanos);
        return level > 0;
    }

    /** Pays for a piece of work that took {@code tookNanos}; the bucket may go into debt. */
    public void spent(long tookNanos, long nowNanos) {
        refill(nowNanos);
        level -= Math.max(0, tookNanos);
    }

    /** How long from {@code nowNanos} until work may start again: 0 when it may now. */
    public long waitNanos(long nowNanos) {
        refill(nowNanos);
        return level > 0 ? 0 : (long) Math.ceil((1 - level) / share);
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - filledAt;
        if (elapsed <= 0) {
            return;
        }
        filledAt = nowNanos;
        long gained = (long) (elapsed * share);
        level = gained >= burstNanos - level ? burstNanos : level + gained;
    }
}
