package io.tandem.core.pool;

/** Whether a backend takes new requests, and why not. */
public enum BackendState {
    /** Takes new requests. */
    UP,
    /** Failed its active health checks. */
    DOWN,
    /** Taken out by an operator: no new requests, in-flight ones finish. */
    DRAINING,
    /** Taken out for a while by passive outlier detection. */
    EJECTED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
