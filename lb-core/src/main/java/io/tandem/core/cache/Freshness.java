package io.tandem.core.cache;

/**
 * How long a stored response may be used, and how, from the moment it was
 * stored: fresh for {@code ttl}, then served stale while one background fetch
 * refreshes it for {@code grace}, then served stale only when the backend
 * fails for up to {@code staleIfError} past {@code ttl}. All in nanoseconds.
 * {@code initialAge} is the age the response already had when it came
 * (its {@code Age} header, RFC 9111 section 4.2.3), in seconds.
 *
 * @param revalidate the object has validators and may be kept past its lifetimes to be revalidated
 *                   with a conditional request ({@code no-cache} responses live on this)
 */
public record Freshness(long ttl, long grace, long staleIfError, long initialAge, boolean revalidate) {

    private static final long SECOND = 1_000_000_000L;

    /** Where an object stands {@code residentNanos} after it was stored. */
    public enum State {
        /** Served as a hit. */
        FRESH,
        /** Served stale while one background fetch refreshes it. */
        GRACE,
        /** Refetched (conditionally when it can be) in the foreground; served only when that fails. */
        STALE
    }

    public State state(long residentNanos) {
        long age = ageNanos(residentNanos);
        if (age < ttl) {
            return State.FRESH;
        }
        return age < ttl + grace ? State.GRACE : State.STALE;
    }

    /** Whether the object may stand in for a failed fetch {@code residentNanos} after it was stored. */
    public boolean usableOnError(long residentNanos) {
        return ageNanos(residentNanos) < ttl + Math.max(grace, staleIfError);
    }

    /** The age the client is told (RFC 9111 section 4.2.3), in whole seconds. */
    public long ageSeconds(long residentNanos) {
        return initialAge + Math.max(0, residentNanos) / SECOND;
    }

    private long ageNanos(long residentNanos) {
        return initialAge * SECOND + Math.max(0, residentNanos);
    }

    /**
     * How long the store keeps the object after storing it: its whole
     * usable life, plus {@code keep} for one that can be revalidated.
     */
    public long retention(long keep) {
        long life = Math.max(0, ttl - initialAge * SECOND) + Math.max(grace, staleIfError);
        return revalidate ? life + keep : life;
    }
}
