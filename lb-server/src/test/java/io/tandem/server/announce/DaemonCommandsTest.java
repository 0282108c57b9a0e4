package io.tandem.server.announce;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.AnnounceConfig;
import io.tandem.config.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact command lines the drivers give GoBGP's, FRR's and BIRD's clients, and the include file the BIRD
 * driver writes (AnnounceEcmpIT runs them for real).
 */
class DaemonCommandsTest {

    private static AnnounceConfig config(AnnounceConfig.Daemon daemon, String nextHop, List<String> communities) {
        return new AnnounceConfig(List.of("10.0.0.100/32"), "lo", daemon, nextHop, communities,
                Duration.ofSeconds(2), Duration.ofMillis(500));
    }

    private static final AnnounceConfig.Daemon GOBGP = new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.GOBGP,
            "gobgp", new HostPort("127.0.0.1", 50051), 0, null);
    private static final AnnounceConfig.Daemon FRR = new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.FRR,
            "vtysh", new HostPort("127.0.0.1", 50051), 65001, "lb1");

    // GoBGP: origin IGP always, next hop and communities only when configured; del names the prefix only.
    @Test
    void gobgpAddAndDel() {
        GobgpDaemon plain = new GobgpDaemon(config(GOBGP, "self", List.of()));
        assertThat(plain.announceCommand("10.0.0.100/32")).containsExactly("gobgp", "-u", "127.0.0.1", "-p",
                "50051", "global", "rib", "add", "-a", "ipv4", "10.0.0.100/32", "origin", "igp");
        GobgpDaemon full = new GobgpDaemon(config(GOBGP, "10.0.1.2", List.of("65000:100", "65000:200")));
        assertThat(full.announceCommand("10.0.0.100/32")).containsExactly("gobgp", "-u", "127.0.0.1", "-p",
                "50051", "global", "rib", "add", "-a", "ipv4", "10.0.0.100/32", "origin", "igp", "nexthop",
                "10.0.1.2", "community", "65000:100,65000:200");
        assertThat(full.withdrawCommand("fd00::100/128")).containsExactly("gobgp", "-u", "127.0.0.1", "-p",
                "50051", "global", "rib", "del", "-a", "ipv6", "fd00::100/128");
    }

    // FRR: a network statement in the VIP's address family; a route-map only for communities or a next hop.
    @Test
    void frrNetworkStatements() {
        FrrDaemon plain = new FrrDaemon(config(FRR, "self", List.of()));
        assertThat(plain.announceCommand("10.0.0.100/32")).containsExactly("vtysh", "-N", "lb1",
                "-c", "configure terminal", "-c", "router bgp 65001", "-c", "address-family ipv4 unicast",
                "-c", "network 10.0.0.100/32");
        FrrDaemon full = new FrrDaemon(config(FRR, "fd00::1", List.of("65000:100")));
        assertThat(full.announceCommand("fd00::100/128")).containsExactly("vtysh", "-N", "lb1",
                "-c", "configure terminal", "-c", "route-map tandem-announce permit 10",
                "-c", "set community 65000:100", "-c", "set ipv6 next-hop global fd00::1", "-c", "exit",
                "-c", "router bgp 65001", "-c", "address-family ipv6 unicast",
                "-c", "network fd00::100/128 route-map tandem-announce");
        assertThat(plain.withdrawCommand("10.0.0.100/32")).containsExactly("vtysh", "-N", "lb1",
                "-c", "configure terminal", "-c", "router bgp 65001", "-c", "address-family ipv4 unicast",
                "-c", "no network 10.0.0.100/32");
    }

    private static AnnounceConfig.Daemon bird(Path include, String command) {
        return new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.BIRD, command,
                new HostPort("127.0.0.1", 50051), 0, null, include.toString(), "/run/bird/lb3.ctl");
    }

    // BIRD: both static protocols always (empty when nothing is announced), origin IGP, the communities.
    @Test
    void birdIncludeFileAndConfigure(@TempDir Path dir) {
        BirdDaemon plain = new BirdDaemon(config(bird(dir.resolve("vips.conf"), "birdc"), "self", List.of()));
        assertThat(plain.configureCommand()).containsExactly("birdc", "-s", "/run/bird/lb3.ctl", "configure");
        String header = "# Written by Tandem (announce.daemon type: bird); do not edit: Tandem rewrites it at each "
                + "announce and withdraw.\n";
        assertThat(plain.render(Set.of())).isEqualTo(header
                + "protocol static tandem_vips {\n"
                + "  ipv4 {\n"
                + "    import filter {\n"
                + "      bgp_origin = ORIGIN_IGP;\n"
                + "      accept;\n"
                + "    };\n"
                + "  };\n"
                + "}\n"
                + "protocol static tandem_vips6 {\n"
                + "  ipv6 {\n"
                + "    import filter {\n"
                + "      bgp_origin = ORIGIN_IGP;\n"
                + "      accept;\n"
                + "    };\n"
                + "  };\n"
                + "}\n");
        BirdDaemon full = new BirdDaemon(config(bird(dir.resolve("vips.conf"), "birdc"), "self",
                List.of("65000:100", "65000:200")));
        assertThat(full.render(new TreeSet<>(List.of("10.0.0.100/32", "10.0.0.101/32", "fd00::100/128"))))
                .isEqualTo(header
                + "protocol static tandem_vips {\n"
                + "  ipv4 {\n"
                + "    import filter {\n"
                + "      bgp_origin = ORIGIN_IGP;\n"
                + "      bgp_community.add((65000,100));\n"
                + "      bgp_community.add((65000,200));\n"
                + "      accept;\n"
                + "    };\n"
                + "  };\n"
                + "  route 10.0.0.100/32 blackhole;\n"
                + "  route 10.0.0.101/32 blackhole;\n"
                + "}\n"
                + "protocol static tandem_vips6 {\n"
                + "  ipv6 {\n"
                + "    import filter {\n"
                + "      bgp_origin = ORIGIN_IGP;\n"
                + "      bgp_community.add((65000,100));\n"
                + "      bgp_community.add((65000,200));\n"
                + "      accept;\n"
                + "    };\n"
                + "  };\n"
                + "  route fd00::100/128 blackhole;\n"
                + "}\n");
    }

    // The file is written before birdc runs; a reply without "Reconfigured" is a failure, with the reply.
    @Test
    void birdReplyIsChecked(@TempDir Path dir) throws IOException {
        Path include = dir.resolve("vips.conf");
        // echo prints its arguments and exits 0: a client that answers something other than BIRD's success.
        BirdDaemon daemon = new BirdDaemon(config(bird(include, "echo"), "self", List.of()));
        try {
            daemon.announce("10.0.0.100/32");
            throw new AssertionError("expected a failure");
        } catch (IOException e) {
            assertThat(e.getMessage()).isEqualTo("echo -s /run/bird/lb3.ctl configure: -s /run/bird/lb3.ctl "
                    + "configure");
        }
        assertThat(Files.readString(include)).contains("  route 10.0.0.100/32 blackhole;\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("vips.conf");
        }
    }

    // A command that fails reports its exit code and what it printed; one that succeeds returns its output.
    @Test
    void commandFailureCarriesItsOutput() throws IOException {
        assertThat(DaemonCommand.run(List.of("sh", "-c", "echo routes"))).isEqualTo("routes");
        try {
            DaemonCommand.run(List.of("sh", "-c", "echo '% BGP is already running; AS is 65002'; exit 1"));
            throw new AssertionError("expected a failure");
        } catch (IOException e) {
            assertThat(e.getMessage()).isEqualTo("sh -c echo '% BGP is already running; AS is 65002'; exit 1: "
                    + "exit 1: % BGP is already running; AS is 65002");
        }
    }
}
