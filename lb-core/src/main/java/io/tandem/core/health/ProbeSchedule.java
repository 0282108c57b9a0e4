package io.tandem.core.health;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When a backend's next active check runs. Checks of many backends must not
 * run in one burst, so after the start-up probe each backend's first check
 * lands at a random point of its first interval, and every later delay is
 * shortened by a random share of up to {@link #JITTER}, which keeps the
 * phases drifting apart. The jitter only ever shortens a delay, so a check
 * still follows the previous one within {@code interval}: a dead backend is
 * marked down within {@code fall × interval} plus one timeout.
 *
 * <p>The delay counts from the start of a check; a check that took longer
 * than the interval is followed at once, never overlapped. While a backend is
 * down (or unchecked), {@code downInterval} replaces {@code interval}.
 *
 * <p>Stateless apart from the injected randomness, which must be safe to use
 * from the threads that call it.
 */
public final class ProbeSchedule {

    /** The largest share of an interval by which a check may come early. */
    public static final double JITTER = 0.1;

    private final long intervalNanos;
    private final long downIntervalNanos;
    private final RandomGenerator random;

    public ProbeSchedule(Duration interval, Duration downInterval, RandomGenerator random) {
        this.intervalNanos = interval.toNanos();
        this.downIntervalNanos = downInterval.toNanos();
        this.random = random;
    }

    /** Delay from the start-up probe (or the start) to a backend's first regular check: within one interval. */
    public long firstDelayNanos(boolean down) {
        return (long) (random.nextDouble() * base(down));
    }

    /**
     * Delay from {@code finishedNanos}, when a check ended, to the next one
     * of the same backend, whose check started at {@code startedNanos}.
     */
    public long nextDelayNanos(long startedNanos, long finishedNanos, boolean down) {
        long base = base(down);
        long period = base - (long) (random.nextDouble() * JITTER * base);
        return Math.max(0, startedNanos + period - finishedNanos);
    }

    private long base(boolean down) {
        return down ? downIntervalNanos : intervalNanos;
    }
}
