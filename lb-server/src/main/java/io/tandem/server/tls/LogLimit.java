package io.tandem.server.tls;

import java.util.concurrent.ConcurrentHashMap;

/**
 * At most one log line per key (a backend) per period: a backend whose every
 * handshake fails would otherwise log every request. Time comes in as
 * nanoTime values. Thread-safe; any loop may ask.
 */
final class LogLimit<K> {

    private final long periodNanos;
    private final ConcurrentHashMap<K, Long> lastLogged = new ConcurrentHashMap<>();

    LogLimit(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /** Whether a line about {@code key} may be logged at {@code nowNanos}; if so, the period starts again. */
    boolean allow(K key, long nowNanos) {
        boolean[] allowed = {false};
        lastLogged.compute(key, (k, last) -> {
            if (last == null || nowNanos - last >= periodNanos) {
                allowed[0] = true;
                return nowNanos;
            }
            return last;
        });
        return allowed[0];
    }
}
