package io.tandem.core.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The state of one DNS backend entry ({@code dns:} or {@code dns-srv:}):
 * given each answer and the time, which backends the entry gives now and
 * when to ask again. No I/O: the server queries and feeds the results in.
 *
 * <p>A good answer (at least one address) is used for its TTL, clamped to
 * {@code ttl.min} .. {@code ttl.max}. An error, NXDOMAIN or empty answer keeps
 * the last good set for {@code hold}, counted from the first such answer
 * after a good one (HAProxy's {@code hold}), and asks again every
 * {@code ttl.min} meanwhile; once the hold is over the entry gives no
 * backends until a good answer comes.
 *
 * <p>Not thread-safe: one per entry, used on the resolver's event loop.
 */
public final class DnsRefresh {

    /** What one resolution came to. */
    public enum Result {
        /** At least one address. */
        ANSWER,
        /** NOERROR with no address (or SRV targets without one). */
        EMPTY,
        NXDOMAIN,
        /** A timeout, SERVFAIL, REFUSED, or no answer at all. */
        ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One backend an answer gives: an IP address (text), its port, weight and backup flag. */
    public record Target(String address, int port, int weight, boolean backup) {}

    /**
     * What to do after a resolution.
     *
     * @param targets   the backends the entry gives from now on, sorted (so equal sets compare equal)
     * @param nextNanos when to ask again, from now
     * @param held      whether {@code targets} is the last good set kept through a failed resolution
     */
    public record Decision(List<Target> targets, long nextNanos, boolean held) {}

    private static final Comparator<Target> ORDER = Comparator.comparing(Target::address)
            .thenComparingInt(Target::port);

    private final long ttlMinNanos;
    private final long ttlMaxNanos;
    private final long holdNanos;
    private List<Target> current = List.of();
    private boolean failing;
    private long failingSince;

    public DnsRefresh(Duration ttlMin, Duration ttlMax, Duration hold) {
        this.ttlMinNanos = ttlMin.toNanos();
        this.ttlMaxNanos = ttlMax.toNanos();
        this.holdNanos = hold.toNanos();
    }

    /** The backends the entry gives now. */
    public List<Target> current() {
        return current;
    }

    /** A good answer at {@code now} with these targets (at least one), the smallest of its records' TTLs. */
    public Decision answered(List<Target> targets, long ttlSeconds, long now) {
        if (targets.isEmpty()) {
            return failed(now);
        }
        List<Target> sorted = new ArrayList<>(targets);
        sorted.sort(ORDER);
        current = List.copyOf(sorted);
        failing = false;
        long ttl = Duration.ofSeconds(Math.max(0, ttlSeconds)).toNanos();
        return new Decision(current, Math.max(ttlMinNanos, Math.min(ttlMaxNanos, ttl)), false);
    }

    /** An error, NXDOMAIN or empty answer at {@code now}. */
    public Decision failed(long now) {
        if (!failing) {
            failing = true;
            failingSince = now;
        }
        long left = holdNanos - (now - failingSince);
        if (!current.isEmpty() && left > 0) {
            // Ask again at ttl.min, and at the latest when the hold ends, to let the set go then.
            return new Decision(current, Math.min(ttlMinNanos, left), true);
        }
        current = List.of();
        return new Decision(current, ttlMinNanos, false);
    }
}
