package io.tandem.core.health;

import io.tandem.config.OutlierConfig;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Passive outlier detection of one pool's backends, after Envoy's
 * consecutive-errors detector. The proxy reports what it sees of every
 * request: connect failures and resets, and (when enabled) 5xx responses.
 * A backend with {@code consecutive-failures} failures or
 * {@code consecutive-5xx} 5xx answers in a row is ejected for
 * {@code ejection-time}; an ejection that follows the backend's previous
 * return within {@code max-ejection-time} is a repeat and lasts twice as long
 * as the one before, capped at {@code max-ejection-time}. At most
 * {@code floor(backends × max-ejected-percent / 100)} backends are ejected
 * at once: with 50% a pool of one backend is never ejected, since taking out
 * its only backend would turn some 502s into certain 503s.
 *
 * <p>Backends are named by their index in the pool. The counters are atomics
 * updated lock-free by every event loop (the hot path only reads them unless
 * something failed); ejection bookkeeping ({@link #eject}, {@link #release},
 * {@link #due}) must be called under the pool's lock, with time as input.
 */
public final class OutlierDetector {

    private final int consecutiveFailures;
    private final int consecutive5xx;
    private final long ejectionNanos;
    private final long maxEjectionNanos;
    private final int maxEjected;
    private final AtomicIntegerArray failures;
    private final AtomicIntegerArray fivexx;
    /** Per backend: whether ejected, since when, until when, how many ejections in a row, when it last returned. */
    private final boolean[] ejected;
    private final long[] ejectedAt;
    private final long[] ejectedUntil;
    private final int[] repeats;
    private final long[] returnedAt;
    private int ejectedCount;

    public OutlierDetector(OutlierConfig config, int backends) {
        this.consecutiveFailures = config.consecutiveFailures();
        this.consecutive5xx = config.consecutive5xx();
        this.ejectionNanos = config.ejectionTime().toNanos();
        this.maxEjectionNanos = config.maxEjectionTime().toNanos();
        this.maxEjected = backends * config.maxEjectedPercent() / 100;
        this.failures = new AtomicIntegerArray(backends);
        this.fivexx = new AtomicIntegerArray(backends);
        this.ejected = new boolean[backends];
        this.ejectedAt = new long[backends];
        this.ejectedUntil = new long[backends];
        this.repeats = new int[backends];
        this.returnedAt = new long[backends];
    }

    /** The most backends of this pool ejected at the same time. */
    public int maxEjected() {
        return maxEjected;
    }

    /**
     * A connection to backend {@code i} failed (refused, timed out, reset
     * before the response ended). Returns true when this failure completes a
     * run of {@code consecutive-failures}: the caller should {@link #eject}.
     */
    public boolean connectionFailed(int i) {
        return consecutiveFailures > 0 && failures.incrementAndGet(i) >= consecutiveFailures;
    }

    /**
     * Backend {@code i} answered with {@code status}. Returns true when this
     * answer completes a run of {@code consecutive-5xx}. Hot path: without
     * failures it only reads.
     */
    public boolean responded(int i, int status) {
        if (failures.get(i) != 0) {
            failures.set(i, 0);
        }
        if (consecutive5xx == 0) {
            return false;
        }
        if (status >= 500 && status <= 599) {
            return fivexx.incrementAndGet(i) >= consecutive5xx;
        }
        if (fivexx.get(i) != 0) {
            fivexx.set(i, 0);
        }
        return false;
    }

    /** The {@code consecutive-failures} setting (0: off). */
    public int failureThreshold() {
        return consecutiveFailures;
    }

    /** The {@code consecutive-5xx} setting (0: off). */
    public int fivexxThreshold() {
        return consecutive5xx;
    }

    /** Failures of backend {@code i} in the current run. */
    public int consecutiveFailures(int i) {
        return failures.get(i);
    }

    /** 5xx answers of backend {@code i} in the current run. */
    public int consecutive5xx(int i) {
        return fivexx.get(i);
    }

    /**
     * Ejects backend {@code i} at {@code now}. Returns how long it stays out
     * in nanoseconds, or 0 when it is not ejected: it is already, or the pool
     * has {@link #maxEjected()} backends out.
     */
    public long eject(int i, long now) {
        if (ejected[i] || ejectedCount >= maxEjected) {
            return 0;
        }
        boolean repeat = repeats[i] > 0 && now - returnedAt[i] <= maxEjectionNanos;
        repeats[i] = repeat ? repeats[i] + 1 : 1;
        long duration = ejectionNanos;
        for (int k = 1; k < repeats[i] && duration < maxEjectionNanos; k++) {
            duration *= 2;
        }
        duration = Math.min(duration, maxEjectionNanos);
        ejected[i] = true;
        ejectedAt[i] = now;
        ejectedUntil[i] = now + duration;
        ejectedCount++;
        resetCounters(i);
        return duration;
    }

    /**
     * Ejects backend {@code i} at {@code now} for exactly {@code duration}
     * nanoseconds: what the peer of a pair saw (it serves the traffic that
     * reveals outliers). Not counted as a repeat. Returns false when it is
     * ejected already (the later end wins) or the pool has {@link #maxEjected()} out.
     */
    public boolean ejectFor(int i, long now, long duration) {
        if (ejected[i]) {
            ejectedUntil[i] = Math.max(ejectedUntil[i], now + duration);
            return false;
        }
        if (ejectedCount >= maxEjected || duration <= 0) {
            return false;
        }
        ejected[i] = true;
        ejectedAt[i] = now;
        ejectedUntil[i] = now + duration;
        ejectedCount++;
        resetCounters(i);
        return true;
    }

    public boolean isEjected(int i) {
        return ejected[i];
    }

    /** When the current ejection of backend {@code i} began (valid while ejected). */
    public long ejectedAt(int i) {
        return ejectedAt[i];
    }

    /** When the current ejection of backend {@code i} ends (valid while ejected). */
    public long ejectedUntil(int i) {
        return ejectedUntil[i];
    }

    /** Ends backend {@code i}'s ejection early (a passing active check). Returns whether it was ejected. */
    public boolean release(int i, long now) {
        if (!ejected[i]) {
            return false;
        }
        ejected[i] = false;
        ejectedCount--;
        returnedAt[i] = now;
        resetCounters(i);
        return true;
    }

    /** Releases every backend whose ejection has ended by {@code now}; returns their indexes. */
    public int[] due(long now) {
        int n = 0;
        int[] found = new int[ejected.length];
        for (int i = 0; i < ejected.length; i++) {
            if (ejected[i] && now - ejectedUntil[i] >= 0) {
                release(i, now);
                found[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(found, n);
    }

    /** Nanoseconds from {@code now} until the next ejection ends, or -1 when none is ejected. */
    public long nextDueNanos(long now) {
        long next = -1;
        for (int i = 0; i < ejected.length; i++) {
            if (ejected[i]) {
                long left = Math.max(0, ejectedUntil[i] - now);
                next = next < 0 ? left : Math.min(next, left);
            }
        }
        return next;
    }

    /** Backend {@code i} takes over the ejection state of backend {@code j} of {@code from} (a config reload). */
    public void carry(int i, OutlierDetector from, int j) {
        if (ejected[i]) {
            ejectedCount--;
        }
        ejected[i] = from.ejected[j];
        ejectedAt[i] = from.ejectedAt[j];
        ejectedUntil[i] = from.ejectedUntil[j];
        repeats[i] = from.repeats[j];
        returnedAt[i] = from.returnedAt[j];
        if (ejected[i]) {
            ejectedCount++;
        }
    }

    private void resetCounters(int i) {
        failures.set(i, 0);
        fivexx.set(i, 0);
    }
}
