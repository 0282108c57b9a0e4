package io.tandem.core.failover;

/** The role of one node of a pair, as in RFC 5798 plus FAULT (the node's own health says it cannot serve). */
public enum FailoverState {
    INIT(0),
    BACKUP(1),
    MASTER(2),
    FAULT(3);

    private final int code;

    FailoverState(int code) {
        this.code = code;
    }

    /** The value carried in a heartbeat. */
    public int code() {
        return code;
    }

    static FailoverState ofCode(int code) {
        for (FailoverState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
