package io.tandem.server.dynamic;

/**
 * A runtime change that a pair with {@code state-sync} applies on both nodes:
 * an operator's drain, enable or weight, a backend the admin API added, moved
 * or removed, or an outlier ejection.
 *
 * @param what    {@code drain} (value {@code drained} or {@code enabled}), {@code weight} (value N),
 *                {@code backend} (value {@code WEIGHT;BACKUP;STICKY-ID} when present, empty when removed),
 *                {@code eject} (value: milliseconds it has left), {@code check} (the master's active checks
 *                found the backend {@code up} or {@code down})
 * @param pool    the pool's name
 * @param backend the backend's address as its id
 */
public record SharedChange(String what, String pool, String backend, String value) {

    public static final String DRAIN = "drain";
    public static final String WEIGHT = "weight";
    public static final String BACKEND = "backend";
    public static final String EJECT = "eject";
    public static final String CHECK = "check";

    static SharedChange present(String pool, ApiBackend b, String stickyId) {
        return new SharedChange(BACKEND, pool, b.address().toString(),
                b.weight() + ";" + b.backup() + ";" + stickyId);
    }

    static SharedChange absent(String pool, String id) {
        return new SharedChange(BACKEND, pool, id, "");
    }

    /**
     * Whether this is state of the moment (an ejection, a check verdict) rather than an operator's
     * change: always applied, never kept in the table whose latest value wins, taught again on connect.
     */
    public boolean transientState() {
        return EJECT.equals(what) || CHECK.equals(what);
    }

    /** The key whose last value wins: one per (what, pool, backend). */
    public String key() {
        return what + "|" + pool + "|" + backend;
    }
}
