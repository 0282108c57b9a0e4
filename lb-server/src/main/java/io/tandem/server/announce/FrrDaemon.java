package io.tandem.server.announce;

import io.tandem.config.AnnounceConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * FRR: a {@code network} statement per VIP under {@code router bgp ASN}, written with {@code vtysh}. bgpd
 * announces a network only while the route is in zebra's RIB; the VIP on {@code lo} puts it there. A next
 * hop or communities go through a route-map {@code tandem-announce} that this driver writes before each
 * announce. The change is made to the running config only: a restarted bgpd has no VIP until Tandem
 * asserts its routes again (each few check intervals), which is the point.
 */
final class FrrDaemon implements RouteDaemon {

    static final String ROUTE_MAP = "tandem-announce";

    private final AnnounceConfig config;

    FrrDaemon(AnnounceConfig config) {
        this.config = config;
    }

    @Override
    public void announce(String vip) throws IOException {
        DaemonCommand.run(announceCommand(vip));
    }

    /** The {@code vtysh} command line that adds the network for {@code vip}. */
    List<String> announceCommand(String vip) {
        List<String> argv = vtysh();
        boolean routeMap = !config.nextHopSelf() || !config.communities().isEmpty();
        if (routeMap) {
            cmd(argv, "route-map " + ROUTE_MAP + " permit 10");
            if (!config.communities().isEmpty()) {
                cmd(argv, "set community " + String.join(" ", config.communities()));
            }
            if (!config.nextHopSelf()) {
                cmd(argv, "set " + (RouteDaemon.ipv6(vip) ? "ipv6 next-hop global " : "ip next-hop ")
                        + config.nextHop());
            }
            cmd(argv, "exit");
        }
        addressFamily(argv, vip);
        cmd(argv, "network " + vip + (routeMap ? " route-map " + ROUTE_MAP : ""));
        return argv;
    }

    /** The {@code vtysh} command line that removes the network for {@code vip}. */
    List<String> withdrawCommand(String vip) {
        List<String> argv = vtysh();
        addressFamily(argv, vip);
        cmd(argv, "no network " + vip);
        return argv;
    }

    @Override
    public void withdraw(String vip) throws IOException {
        try {
            DaemonCommand.run(withdrawCommand(vip));
        } catch (IOException e) {
            // "% Can't find static route specified": the network is not there, the outcome wanted.
            if (!String.valueOf(e.getMessage()).contains("Can't find")) {
                throw e;
            }
        }
    }

    private List<String> vtysh() {
        List<String> argv = new ArrayList<>();
        argv.add(config.daemon().command());
        if (config.daemon().pathspace() != null) {
            argv.add("-N");
            argv.add(config.daemon().pathspace());
        }
        cmd(argv, "configure terminal");
        return argv;
    }

    private void addressFamily(List<String> argv, String vip) {
        cmd(argv, "router bgp " + config.daemon().asn());
        cmd(argv, "address-family " + (RouteDaemon.ipv6(vip) ? "ipv6" : "ipv4") + " unicast");
    }

    private static void cmd(List<String> argv, String command) {
        argv.add("-c");
        argv.add(command);
    }

    @Override
    public String describe() {
        return "frr bgpd AS " + config.daemon().asn() + (config.daemon().pathspace() == null ? ""
                : " in pathspace " + config.daemon().pathspace());
    }
}
