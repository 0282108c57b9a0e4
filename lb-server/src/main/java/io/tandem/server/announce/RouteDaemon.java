package io.tandem.server.announce;

import io.tandem.config.AnnounceConfig;
import java.io.IOException;

/**
 * A routing daemon that announces this node's VIPs to its BGP peers. Tandem speaks no BGP: it adds and
 * removes the routes through the daemon's own client. Both calls are idempotent (announcing an announced
 * VIP, withdrawing a withdrawn one, changes nothing), so the announcer may repeat them. Called on the
 * announce thread only.
 */
interface RouteDaemon {

    /** Adds the route for {@code vip} ({@code address/length}). */
    void announce(String vip) throws IOException;

    /** Removes the route for {@code vip}. */
    void withdraw(String vip) throws IOException;

    /** For logs and /status, e.g. "gobgp at 127.0.0.1:50051". */
    String describe();

    static RouteDaemon of(AnnounceConfig config) {
        switch (config.daemon().type()) {
            case GOBGP:
                return new GobgpDaemon(config);
            case FRR:
                return new FrrDaemon(config);
            case BIRD:
                return new BirdDaemon(config);
            default:
                throw new IllegalArgumentException("no driver for " + config.daemon().type());
        }
    }

    /** Whether {@code vip} is an IPv6 address with its length. */
    static boolean ipv6(String vip) {
        return vip.indexOf(':') >= 0;
    }
}
