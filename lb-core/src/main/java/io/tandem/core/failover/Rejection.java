package io.tandem.core.failover;

/** Why a received heartbeat was dropped; the label is the metric's {@code reason} tag. */
public enum Rejection {
    MALFORMED("malformed"),
    OTHER_CLUSTER("other-cluster"),
    BAD_MAC("bad-mac"),
    REPLAY("replay");

    private final String label;

    Rejection(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
