package io.tandem.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code failover.mode: announce}: this node announces its VIPs by BGP through a routing daemon while it is
 * ready, so that N active nodes share them behind a router's ECMP.
 *
 * @param vips          host addresses (IPv4 /32, IPv6 /128) announced, in the text the file gives, with prefix
 * @param iface         the interface the VIPs are added to so that the node accepts their traffic (lo)
 * @param daemon        the routing daemon that speaks BGP and how to reach it
 * @param nextHop       {@code self} (the daemon's own address toward each peer) or an IP address
 * @param communities   BGP communities attached to the route, e.g. {@code 65000:100}
 * @param withdrawWait  after a withdraw for a drain or a stop, how long the node waits (serving) before it
 *                      drains its connections: the time the router needs to stop sending new flows
 * @param checkInterval how often readiness is evaluated and the routes asserted to the daemon again
 */
public record AnnounceConfig(
        List<String> vips,
        String iface,
        Daemon daemon,
        String nextHop,
        List<String> communities,
        Duration withdrawWait,
        Duration checkInterval) {

    public AnnounceConfig {
        vips = List.copyOf(vips);
        communities = List.copyOf(communities);
    }

    /** Whether the next hop is the daemon's own address (no explicit next hop is sent). */
    public boolean nextHopSelf() {
        return Defaults.ANNOUNCE_NEXT_HOP.equals(nextHop);
    }

    /** The daemons Tandem can drive. */
    public enum DaemonType {
        /** gobgpd, driven through its gRPC API with the {@code gobgp} command. */
        GOBGP,
        /** FRR's bgpd, driven through {@code vtysh} ({@code network} statements under {@code router bgp}). */
        FRR,
        /** BIRD 2: a rendered include file of static routes and {@code birdc configure} on its control socket. */
        BIRD;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static List<String> configNames() {
            return List.of(GOBGP.configName(), FRR.configName(), BIRD.configName());
        }
    }

    /**
     * The routing daemon.
     *
     * @param type      which daemon
     * @param command   the program that talks to it: {@code gobgp} or {@code vtysh} unless set
     * @param api       gobgp: gobgpd's gRPC API address
     * @param asn       frr: the AS number of the {@code router bgp} block the networks go into
     * @param pathspace frr: the daemons' pathspace ({@code vtysh -N}), for more than one FRR on a host; null
     *                  for the default
     * @param include   bird: the file Tandem writes its static protocols into (bird.conf includes it); null
     *                  for the other daemons
     * @param socket    bird: BIRD's control socket ({@code birdc -s}); null for the other daemons
     */
    public record Daemon(DaemonType type, String command, HostPort api, long asn, String pathspace, String include,
                         String socket) {

        /** A GoBGP or FRR daemon (no BIRD include file or socket). */
        public Daemon(DaemonType type, String command, HostPort api, long asn, String pathspace) {
            this(type, command, api, asn, pathspace, null, null);
        }
    }
}
