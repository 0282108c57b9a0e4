package io.tandem.config;

import java.util.List;

/**
 * Whether a listener reads a PROXY protocol header (v1 or v2) at the start of
 * each connection, and from which sources. A balancer in front of Tandem
 * (HAProxy, an AWS NLB, a TLS terminator) sends it so that Tandem learns the
 * real client address; only sources in {@code from} may do so, or any client
 * could claim any address.
 *
 * @param accept whether connections must start with a PROXY header
 * @param from   the sources allowed to connect; a connection from anywhere else is closed
 */
public record ProxyProtocolConfig(boolean accept, List<CidrRange> from) {

    /** No PROXY protocol: the socket's peer is the client. */
    public static final ProxyProtocolConfig OFF = new ProxyProtocolConfig(false, List.of());

    public ProxyProtocolConfig {
        from = List.copyOf(from);
    }

    /** Whether a connection from {@code address} (4 or 16 bytes) may send a header. */
    public boolean trusts(byte[] address) {
        for (CidrRange range : from) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
