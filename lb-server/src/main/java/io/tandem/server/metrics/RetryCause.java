package io.tandem.server.metrics;

/** Why the proxy sent a request again: the {@code cause} label of {@code tandem_retries_total}. */
public enum RetryCause {
    /** The backend refused or did not accept the connection in time; the next backend is tried. */
    CONNECT_FAILURE("connect-failure"),
    /** A pooled keep-alive connection had been closed by the backend; the same backend on a fresh one. */
    STALE_CONNECTION("stale-connection"),
    /** The backend closed the connection before answering; the next backend is tried (safe requests). */
    RESET("reset");

    private final String label;

    RetryCause(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
