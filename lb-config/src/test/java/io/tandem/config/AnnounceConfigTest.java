package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code failover.mode: announce} and the {@code announce} section: what is taken and what check refuses. */
class AnnounceConfigTest {

    private static final String LISTENER = "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]";
    private static final String POOLS = "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }";

    // A GoBGP announcer is taken with its VIPs (prefix added), API, next hop, communities and timings.
    @Test
    void gobgpAnnouncerIsTaken() throws Exception {
        TandemConfig c = parse(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1, warm-up: { requests: 20 } }",
                "announce:",
                "  vips: [10.0.0.100/32, 'fd00::100']",
                "  daemon: { type: gobgp, api: 127.0.0.1:50052 }",
                "  communities: [65000:100, '65000:200']",
                "  withdraw-wait: 3s",
                "  check-interval: 200ms");
        FailoverConfig f = c.failover().orElseThrow();
        assertThat(f.mode()).isEqualTo(FailoverMode.ANNOUNCE);
        assertThat(f.announces()).isTrue();
        assertThat(f.node()).isEqualTo("lb-1");
        assertThat(f.warmUp().requests()).isEqualTo(20);
        AnnounceConfig a = c.announce().orElseThrow();
        assertThat(a.vips()).containsExactly("10.0.0.100/32", "fd00::100/128");
        assertThat(a.iface()).isEqualTo("lo");
        assertThat(a.daemon()).isEqualTo(new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.GOBGP, "gobgp",
                new HostPort("127.0.0.1", 50052), 0, null));
        assertThat(a.nextHopSelf()).isTrue();
        assertThat(a.communities()).containsExactly("65000:100", "65000:200");
        assertThat(a.withdrawWait()).isEqualTo(Duration.ofSeconds(3));
        assertThat(a.checkInterval()).isEqualTo(Duration.ofMillis(200));
    }

    // An FRR announcer is taken with its AS number, pathspace, command and an explicit next hop.
    @Test
    void frrAnnouncerIsTaken() throws Exception {
        TandemConfig c = parse(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-2 }",
                "announce:",
                "  vips: [10.0.0.100]",
                "  daemon: { type: frr, asn: 4200000001, pathspace: lb2, command: /usr/bin/vtysh }",
                "  next-hop: 10.0.1.2");
        AnnounceConfig a = c.announce().orElseThrow();
        assertThat(a.daemon()).isEqualTo(new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.FRR, "/usr/bin/vtysh",
                HostPort.parse(Defaults.GOBGP_API), 4200000001L, "lb2"));
        assertThat(a.nextHop()).isEqualTo("10.0.1.2");
        assertThat(a.nextHopSelf()).isFalse();
        assertThat(a.withdrawWait()).isEqualTo(Defaults.ANNOUNCE_WITHDRAW_WAIT);
    }

    // A pair member still needs bind and the key file, now checked for mode: pair.
    @Test
    void pairStillNeedsBindAndKey() {
        assertThat(problems(LISTENER, POOLS,
                "failover:",
                "  node: lb-a",
                "  peer: 10.0.0.3:5405",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]"))
                .contains("t.yaml:3:1: failover.bind: is required (failover.mode: pair)")
                .contains("t.yaml:3:1: failover.auth-key-file: is required (failover.mode: pair)");
    }

    // Pair keys on an announcing node are refused each at its key, with file:line:column.
    @Test
    void pairKeysOnAnAnnouncerAreRefused() {
        String text = problems(LISTENER, POOLS,
                "failover:",
                "  mode: announce",
                "  node: lb-1",
                "  peer: 10.0.0.3:5405",
                "  priority: 150",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
                "announce: { vips: [10.0.0.100/32], daemon: { type: gobgp } }");
        assertThat(text).contains("t.yaml:6:9: failover.peer: only applies to failover.mode: pair; an announcing "
                        + "node has no peer and takes its VIPs from the top-level announce section")
                .contains("t.yaml:7:13: failover.priority: only applies to failover.mode: pair")
                .contains("t.yaml:8:8: failover.vip: only applies to failover.mode: pair");
    }

    // An announce section beside a pair, or without any failover section, is refused at announce.
    @Test
    void announceWithoutAnnounceModeIsRefused() {
        assertThat(problems(LISTENER, POOLS,
                "failover: { node: lb-a, bind: 10.0.0.2:5405, peer: 10.0.0.3:5405, auth-key-file: /dev/null,",
                "            notify: /bin/true }",
                "announce: { vips: [10.0.0.100/32], daemon: { type: gobgp } }"))
                .contains("t.yaml:5:1: announce: only applies with failover.mode: announce; this node is a pair "
                        + "member (failover.mode: pair), which moves its VIPs by heartbeats: choose one of the two");
        assertThat(problems(LISTENER, POOLS,
                "announce: { vips: [10.0.0.100/32], daemon: { type: gobgp } }"))
                .isEqualTo("t.yaml:3:1: announce: needs failover: { mode: announce, node: NAME }: announcing the "
                        + "VIPs by BGP is one of the two failover modes");
    }

    // mode: announce without the announce section is refused at mode.
    @Test
    void announceModeWithoutSectionIsRefused() {
        assertThat(problems(LISTENER, POOLS, "failover: { mode: announce, node: lb-1 }"))
                .startsWith("t.yaml:3:19: failover.mode: mode: announce needs the top-level announce section");
    }

    // Each bad value of the announce section is reported at its place, all at once.
    @Test
    void badAnnounceValuesAreEachReported() {
        String text = problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce:",
                "  vips: [10.0.0.0/24, 10.0.0.100, 10.0.0.100/32, nope]",
                "  daemon: { type: gobgp, asn: 65001 }",
                "  next-hop: 'fd00::1'",
                "  communities: [65000:100, 70000:1, x]");
        assertThat(text.split("\n")).containsExactly(
                "t.yaml:5:10: announce.vips[0]: '10.0.0.0/24' is not a host route; each node announces the VIP "
                        + "itself, expected /32",
                "t.yaml:5:35: announce.vips[2]: 10.0.0.100 is already vips[1]",
                "t.yaml:5:50: announce.vips[3]: 'nope' is not an IP address; expected e.g. 10.0.0.100/32 or "
                        + "fd00::100/128",
                "t.yaml:6:31: announce.daemon.asn: only applies to type: frr (this daemon is type: gobgp)",
                "t.yaml:7:13: announce.next-hop: fd00::1 is not of the address family of the VIP 10.0.0.100/32; use "
                        + "next-hop: self, or one family of VIPs",
                "t.yaml:8:28: announce.communities[1]: '70000:1' is not a BGP community; expected AS:VALUE, each "
                        + "0-65535, e.g. 65000:100",
                "t.yaml:8:37: announce.communities[2]: 'x' is not a BGP community; expected AS:VALUE, each "
                        + "0-65535, e.g. 65000:100");
    }

    // FRR needs its AS number and takes no gRPC API; a daemon needs a type; the section needs vips and daemon.
    @Test
    void daemonKeysFollowTheType() {
        assertThat(problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce:",
                "  vips: [10.0.0.100/32]",
                "  daemon: { type: frr, api: 127.0.0.1:50051 }").split("\n")).containsExactly(
                "t.yaml:6:3: announce.daemon: type: frr needs asn, the AS number of the router bgp block (vtysh: "
                        + "router bgp ASN), e.g. asn: 65001",
                "t.yaml:6:29: announce.daemon.api: only applies to type: gobgp (this daemon is type: frr)");
        assertThat(problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce: { interface: lo }").split("\n")).containsExactly(
                "t.yaml:4:1: announce: needs vips, the addresses this node announces, e.g. vips: [10.0.0.100/32]",
                "t.yaml:4:1: announce: needs daemon, the routing daemon that speaks BGP, e.g. daemon: { type: "
                        + "gobgp, api: 127.0.0.1:50051 }, daemon: { type: frr, asn: 65001 } or daemon: { type: bird }");
        assertThat(problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce: { vips: [10.0.0.100/32], daemon: { type: bgp } }"))
                .isEqualTo("t.yaml:4:52: announce.daemon.type: 'bgp' is not a routing daemon; did you mean "
                        + "'gobgp'? expected one of gobgp, frr, bird");
    }

    // A BIRD announcer is taken with its include file, control socket and command; defaults otherwise.
    @Test
    void birdAnnouncerIsTaken() throws Exception {
        TandemConfig c = parse(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-3 }",
                "announce:",
                "  vips: [10.0.0.100/32]",
                "  daemon: { type: bird, include: /etc/bird/lb3.conf, socket: /run/bird/lb3.ctl, command: "
                        + "/usr/sbin/birdc }");
        assertThat(c.announce().orElseThrow().daemon()).isEqualTo(new AnnounceConfig.Daemon(
                AnnounceConfig.DaemonType.BIRD, "/usr/sbin/birdc", HostPort.parse(Defaults.GOBGP_API), 0, null,
                "/etc/bird/lb3.conf", "/run/bird/lb3.ctl"));
        TandemConfig d = parse(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-3 }",
                "announce: { vips: [10.0.0.100/32], daemon: { type: bird } }");
        assertThat(d.announce().orElseThrow().daemon()).isEqualTo(new AnnounceConfig.Daemon(
                AnnounceConfig.DaemonType.BIRD, "birdc", HostPort.parse(Defaults.GOBGP_API), 0, null,
                "/etc/bird/tandem-vips.conf", "/run/bird/bird.ctl"));
    }

    // BIRD takes no other daemon's key and no explicit next hop; include and socket belong to BIRD only.
    @Test
    void birdKeysFollowTheType() {
        assertThat(problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce:",
                "  vips: [10.0.0.100/32]",
                "  daemon: { type: bird, asn: 65001, api: 127.0.0.1:50051, include: tandem.conf }",
                "  next-hop: 10.0.1.2").split("\n")).containsExactly(
                "t.yaml:6:30: announce.daemon.asn: only applies to type: frr (this daemon is type: bird)",
                "t.yaml:6:42: announce.daemon.api: only applies to type: gobgp (this daemon is type: bird)",
                "t.yaml:6:68: announce.daemon.include: 'tandem.conf' is not an absolute file path; expected the "
                        + "file bird.conf includes, e.g. /etc/bird/tandem-vips.conf",
                "t.yaml:7:13: announce.next-hop: type: bird sends its own address as the next hop (next-hop: "
                        + "self); set another in bird.conf's BGP export filter (bgp_next_hop) and next hop keep");
        assertThat(problems(LISTENER, POOLS,
                "failover: { mode: announce, node: lb-1 }",
                "announce: { vips: [10.0.0.100/32], daemon: { type: gobgp, socket: /run/bird/bird.ctl } }"))
                .isEqualTo("t.yaml:4:67: announce.daemon.socket: only applies to type: bird (this daemon is "
                        + "type: gobgp)");
    }

    // The announce keys are registered where FormatInStepTest expects every key read.
    @Test
    void registryHasTheAnnounceKeys() {
        assertThat(KeyPaths.all().keySet()).containsSubsequence(List.of("announce", "announce.vips",
                "announce.daemon", "announce.daemon.type"));
    }
}
