package io.tandem.server.announce;

import io.tandem.config.AnnounceConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * GoBGP: routes go into gobgpd's global RIB through its gRPC API, with the {@code gobgp} command
 * ({@code gobgp -u HOST -p PORT global rib add -a ipv4 PREFIX origin igp [nexthop IP] [community C,...]}). Without an
 * explicit next hop gobgpd sends its own address to each peer (next-hop-self).
 */
final class GobgpDaemon implements RouteDaemon {

    private final AnnounceConfig config;

    GobgpDaemon(AnnounceConfig config) {
        this.config = config;
    }

    @Override
    public void announce(String vip) throws IOException {
        DaemonCommand.run(announceCommand(vip));
    }

    @Override
    public void withdraw(String vip) throws IOException {
        DaemonCommand.run(withdrawCommand(vip));
    }

    /** The {@code gobgp} command line that adds the route for {@code vip}. */
    List<String> announceCommand(String vip) {
        List<String> argv = rib("add", vip);
        // Origin IGP, as FRR's network statement gives: routers multipath only over equal origins, so a
        // mix of GoBGP and FRR nodes would otherwise leave one of them the only best path.
        argv.add("origin");
        argv.add("igp");
        if (!config.nextHopSelf()) {
            argv.add("nexthop");
            argv.add(config.nextHop());
        }
        if (!config.communities().isEmpty()) {
            argv.add("community");
            argv.add(String.join(",", config.communities()));
        }
        return argv;
    }

    /** The {@code gobgp} command line that removes the route for {@code vip}. */
    List<String> withdrawCommand(String vip) {
        return rib("del", vip);
    }

    private List<String> rib(String verb, String vip) {
        List<String> argv = base();
        argv.addAll(List.of("global", "rib", verb, "-a", RouteDaemon.ipv6(vip) ? "ipv6" : "ipv4", vip));
        return argv;
    }

    private List<String> base() {
        List<String> argv = new ArrayList<>();
        argv.add(config.daemon().command());
        argv.add("-u");
        argv.add(config.daemon().api().host());
        argv.add("-p");
        argv.add(Integer.toString(config.daemon().api().port()));
        return argv;
    }

    @Override
    public String describe() {
        return "gobgp at " + config.daemon().api();
    }
}
