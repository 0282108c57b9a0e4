package io.tandem.server.metrics;

/**
 * Why a listener that accepts the PROXY protocol closed a connection before
 * its first request: the {@code reason} label of
 * {@code tandem_proxy_protocol_rejected_total}.
 */
public enum ProxyProtocolRejection {
    /** The connection came from a source outside the listener's {@code from}. */
    UNTRUSTED("untrusted"),
    /** A trusted source sent something that is not a PROXY header (a plain HTTP request). */
    MISSING("missing"),
    /** The bytes began like a PROXY header but are not a valid one. */
    MALFORMED("malformed"),
    /** No complete header within the listener's header timeout. */
    TIMEOUT("timeout");

    private final String label;

    ProxyProtocolRejection(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
