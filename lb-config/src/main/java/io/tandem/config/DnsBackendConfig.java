package io.tandem.config;

import java.time.Duration;

/**
 * A backend entry that names a DNS record instead of one server: {@code dns:
 * app.internal:80} (its A and AAAA records, each address one backend on that
 * port) or {@code dns-srv: _http._tcp.app.internal} (its SRV records: target,
 * port and weight; the lowest priority are primaries, higher ones backups).
 * Re-resolved when the answer's TTL runs out, clamped to {@code ttlMin} ..
 * {@code ttlMax}; an error, NXDOMAIN or empty answer keeps the last good
 * addresses for {@code hold}.
 *
 * @param name   the host name ({@code dns}) or the SRV name ({@code dns-srv}), without a trailing dot
 * @param port   the backends' port for {@code dns}; 0 for {@code dns-srv} (each record has its own)
 * @param srv    whether this is a {@code dns-srv} entry
 * @param weight each address's weight ({@code dns}); SRV records carry their own
 * @param backup whether its backends are backups ({@code dns}); SRV uses priorities
 */
public record DnsBackendConfig(String name, int port, boolean srv, Duration ttlMin, Duration ttlMax, Duration hold,
                               int weight, boolean backup) {

    /** How the entry reads in the config, for logs and metric labels: {@code app.internal:80} or the SRV name. */
    public String label() {
        return srv ? name : name + ":" + port;
    }
}
