package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three active Tandem nodes behind a router's ECMP, each announcing the VIP by BGP through its own routing
 * daemon, in Linux network namespaces this test makes (all named {@code tbgp*}):
 *
 * <pre>
 *   tbgpc (client 10.77.0.2) -- tbgpr (router 10.77.0.1, FRR bgpd+zebra AS 65000, maximum-paths 8)
 *                                  |-- tbgp1 (10.77.1.2) Tandem + gobgpd  AS 65001
 *                                  |-- tbgp2 (10.77.2.2) Tandem + FRR bgpd AS 65001
 *                                  |-- tbgp3 (10.77.3.2) Tandem + BIRD 2  AS 65001
 * </pre>
 *
 * Each node has its own backend on its own loopback, named after the node, so the backend that answered
 * tells which node served. The VIP is 10.77.100.100. BGP timers are 1 s keepalive, 3 s hold. The router
 * hashes on L4 ({@code fib_multipath_hash_policy=1}) and pins established flows to the next hop they
 * started on (conntrack marks and one routing table per next hop, see docs/scale-out.md), so a withdraw
 * moves only new flows. The client ({@link EcmpClientMain}) runs in its own namespace, one request per
 * new connection.
 *
 * <p>Needs root, {@code ip netns}, iptables, FRR (Debian {@code frr}), GoBGP ({@code gobgpd}) and BIRD 2
 * (Debian {@code bird2}); skips
 * without them, except with {@code CI=true}, where it fails. Left-overs of a killed run (namespaces, their
 * processes, FRR's run directories) are removed at the start.
 */
class AnnounceEcmpIT {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);
    static final String VIP = "10.77.100.100";
    static final int HOLD_SECONDS = 3;
    static final String TOKEN = "tbgp-token";
    static final Path FRR_RUN = Path.of("/var/run/frr");

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();
    final List<Process> daemons = new ArrayList<>();
    final Map<Integer, Process> gobgpd = new LinkedHashMap<>();
    final Map<Integer, TandemFixture.Node> nodes = new LinkedHashMap<>();

    @Test
    void threeNodesShareTheVipAndLeaveAndComeBackCleanly() throws Exception {
        requireTools();
        removeLeftovers();
        lb.closeAfter((AutoCloseable) this::removeLeftovers);
        lb.closeAfter((AutoCloseable) this::stopDaemons);
        network();
        routerFrr();
        for (int i = 1; i <= 3; i++) {
            backend(i);
            String daemon;
            if (i == 1) {
                nodeGobgp(i);
                daemon = "{ type: gobgp, api: 127.0.0.1:50051 }";
            } else if (i == 2) {
                nodeFrr(i);
                daemon = "{ type: frr, asn: 65001, pathspace: tbgp2 }";
            } else {
                nodeBird(i);
                daemon = "{ type: bird, include: " + birdInclude(i) + ", socket: " + birdSocket(i) + " }";
            }
            nodes.put(i, startNode(i, "n" + i, daemon));
        }
        awaitNextHops(Duration.ofSeconds(90), "the router's route to the VIP through all three nodes",
                Set.of(1, 2, 3));
        for (int i = 1; i <= 3; i++) {
            assertThat(status(i)).contains("\"state\" : \"announced\"").contains("\"announced\" : true");
            assertThat(metric(i, "tandem_announce_announced")).isEqualTo(1.0);
        }
        assertThat(run("ip", "netns", "exec", "tbgpr", "vtysh", "-N", "tbgpr", "-c", "show ip bgp " + VIP + "/32"))
                .as("the route carries the community the nodes attach").contains("65000:100");
        assertThat(read(birdInclude(3))).as("n3's BIRD include file").contains("protocol static tandem_vips {")
                .contains("  route " + VIP + "/32 blackhole;\n").contains("bgp_community.add((65000,100));");
        assertThat(run("ip", "netns", "exec", "tbgpr", "vtysh", "-N", "tbgpr", "-c",
                "show ip bgp neighbors 10.77.3.2 routes")).as("the router's route from n3's BIRD")
                .contains(VIP + "/32").contains(" i\n");

        // 1. All three nodes get new connections.
        ClientRun spread = client(600, Duration.ofSeconds(60), 0);
        spread.await();
        assertThat(spread.failed).as("failed requests with three nodes\n" + spread.output).isZero();
        assertThat(spread.ok.keySet()).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(spread.ok.values()).allSatisfy(n -> assertThat(n).isPositive());
        report("spread over 3 nodes: " + spread.ok + " of " + spread.total() + " new connections");

        // 2. A drain withdraws first: the router drops the node, in-flight and new requests all succeed.
        ClientRun drain = client(20_000, Duration.ofSeconds(60), 2);
        drain.awaitStarted();
        long t0 = System.nanoTime();
        String answer = post(2, "/api/v1/node/drain");
        assertThat(answer).contains("\"ok\" : true").contains("\"state\" : \"withdrawing\"");
        awaitNextHops(Duration.ofSeconds(10), "the route through n2 withdrawn", Set.of(1, 3));
        long withdrawnMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        Poll.until(Duration.ofSeconds(10), "n2 drained", () -> status(2).contains("\"state\" : \"drained\""));
        drain.stop();
        assertThat(drain.failed).as("failed requests across the drain of n2\n" + drain.output).isZero();
        assertThat(drain.ok.keySet()).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(metric(2, "tandem_announce_announced")).isEqualTo(0.0);
        String n2 = nodes.get(2).output();
        assertThat(n2.indexOf("announce: node n2 withdrawing")).as("withdraw before drain\n" + n2)
                .isPositive().isLessThan(n2.indexOf("draining client connections"));
        report("drain of n2 (FRR): route gone from the router in " + withdrawnMs + " ms; " + drain.ok + ", failed "
                + drain.failed + " of " + drain.total());

        // 3. Enable announces again only once the node is ready: not while its pool has no backend up.
        run("ip", "netns", "exec", "tbgp2", "curl", "-s", "-m", "5", "http://127.0.0.1:9000/control/health/fail");
        Poll.until(Duration.ofSeconds(10), "n2 sees its backend down",
                () -> status(2).contains("\"state\" : \"down\""));
        assertThat(post(2, "/api/v1/node/enable")).contains("\"ok\" : true");
        Poll.until(Duration.ofSeconds(10), "n2 enabled but not ready: its pool has no backend up",
                () -> status(2).contains("\"state\" : \"not-ready\"") && status(2).contains("has no backend up"));
        assertThat(nextHops()).as("n2 is not announced while not ready").isEqualTo(Set.of(1, 3));
        assertThat(run("ip", "netns", "exec", "tbgp2", "vtysh", "-N", "tbgp2", "-c",
                "show bgp neighbors 10.77.2.1 json")).as("n2's BGP session stays up meanwhile")
                .contains("\"bgpState\":\"Established\"");
        run("ip", "netns", "exec", "tbgp2", "curl", "-s", "-m", "5", "http://127.0.0.1:9000/control/health/ok");
        awaitNextHops(Duration.ofSeconds(15), "n2 announced again once its backend is up", Set.of(1, 2, 3));
        assertThat(status(2)).contains("\"state\" : \"announced\"").contains("\"announces\" : 2")
                .contains("\"withdraws\" : 1");

        // 3b. A drain of the BIRD node: its include file loses the route, the router drops it; enable brings it back.
        assertThat(post(3, "/api/v1/node/drain")).contains("\"ok\" : true");
        awaitNextHops(Duration.ofSeconds(10), "the route through n3 (BIRD) withdrawn", Set.of(1, 2));
        assertThat(read(birdInclude(3))).as("n3's include file after the drain")
                .contains("protocol static tandem_vips {").doesNotContain("route ");
        Poll.until(Duration.ofSeconds(10), "n3 drained", () -> status(3).contains("\"state\" : \"drained\""));
        assertThat(post(3, "/api/v1/node/enable")).contains("\"ok\" : true");
        awaitNextHops(Duration.ofSeconds(15), "n3 (BIRD) announced again after enable", Set.of(1, 2, 3));
        assertThat(read(birdInclude(3))).contains("  route " + VIP + "/32 blackhole;\n");
        report("drain and enable of n3 (BIRD): withdrawn and announced again");

        // 4. A node that dies (its JVM killed, its daemon hung) is dropped by the router within the hold time.
        ClientRun kill = client(20_000, Duration.ofSeconds(60), 2);
        kill.awaitStarted();
        long k0 = System.nanoTime();
        nodes.get(1).process().process().destroyForcibly();
        run("kill", "-STOP", Long.toString(gobgpd.get(1).pid()));
        awaitNextHops(Duration.ofSeconds(HOLD_SECONDS + 5), "the route through the dead n1 gone", Set.of(2, 3));
        long goneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - k0);
        kill.stop();
        assertThat(goneMs).as("route gone after the kill, ms").isLessThanOrEqualTo(HOLD_SECONDS * 1000L + 1000);
        assertThat(kill.ok.keySet()).contains("n2", "n3");
        report("kill of n1 (GoBGP): route gone in " + goneMs + " ms (hold time " + HOLD_SECONDS + " s); failed "
                + kill.failed + " of " + kill.total() + " requests meanwhile; the first " + kill.failures.size()
                + " by kind: " + kill.failureKinds());
        ClientRun after = client(300, Duration.ofSeconds(60), 0);
        after.await();
        assertThat(after.failed).as("failed requests once n1's route is gone\n" + after.output).isZero();
        assertThat(after.ok.keySet()).containsExactlyInAnyOrder("n2", "n3");

        // 5. The node back (a new gobgpd, a new Tandem): announced only once its warm-up is done.
        gobgpd.get(1).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        nodeGobgp(1);
        TandemFixture.Node back = startNode(1, "n1-back", "{ type: gobgp, api: 127.0.0.1:50051 }");
        awaitNextHops(Duration.ofSeconds(60), "n1 announced again after its restart", Set.of(1, 2, 3));
        String log = back.output();
        int withdrawn = log.indexOf("withdrawn until ready");
        int warm = log.indexOf("warm standby: 200 requests through this node's own data path");
        int announced = log.indexOf("announce: node n1 ready, announcing");
        assertThat(withdrawn).as("start withdrawn\n" + log).isNotNegative();
        assertThat(warm).as("warm-up done after the start\n" + log).isGreaterThan(withdrawn);
        assertThat(announced).as("announced after the warm-up\n" + log).isGreaterThan(warm);
        ClientRun again = client(300, Duration.ofSeconds(60), 0);
        again.await();
        assertThat(again.failed).as("failed requests with n1 back\n" + again.output).isZero();
        assertThat(again.ok.keySet()).containsExactlyInAnyOrder("n1", "n2", "n3");
        report("n1 back: announced after its warm-up; " + again.ok + " of " + again.total());
    }

    // ---- the network

    void network() throws IOException {
        for (String ns : List.of("tbgpr", "tbgpc", "tbgp1", "tbgp2", "tbgp3")) {
            run("ip", "netns", "add", ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        link("tbgpc", "tbgpc0", "10.77.0.2/24", "tbgprc", "10.77.0.1/24");
        run("ip", "-n", "tbgpc", "route", "add", "default", "via", "10.77.0.1");
        for (int i = 1; i <= 3; i++) {
            link("tbgp" + i, "tbgp" + i + "e", "10.77." + i + ".2/24", "tbgpr" + i, "10.77." + i + ".1/24");
            run("ip", "-n", "tbgp" + i, "route", "add", "default", "via", "10.77." + i + ".1");
        }
        run("ip", "netns", "exec", "tbgpr", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                "net.ipv4.fib_multipath_hash_policy=1", "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0");
        // Flow pinning: a new flow takes the ECMP route; its conntrack entry remembers the next hop, and its
        // later packets go to that one through a table of their own, even after the route was withdrawn.
        run("ip", "netns", "exec", "tbgpr", "iptables", "-t", "mangle", "-A", "PREROUTING", "-i", "tbgprc",
                "-j", "CONNMARK", "--restore-mark");
        for (int i = 1; i <= 3; i++) {
            run("ip", "netns", "exec", "tbgpr", "iptables", "-t", "mangle", "-A", "POSTROUTING", "-o",
                    "tbgpr" + i, "-m", "conntrack", "--ctstate", "NEW", "-j", "CONNMARK", "--set-mark",
                    Integer.toString(i));
            run("ip", "-n", "tbgpr", "rule", "add", "fwmark", Integer.toString(i), "table", "10" + i);
            run("ip", "-n", "tbgpr", "route", "add", VIP + "/32", "via", "10.77." + i + ".2", "table", "10" + i);
        }
    }

    void link(String ns, String name, String address, String routerSide, String routerAddress) throws IOException {
        run("ip", "link", "add", name, "netns", ns, "type", "veth", "peer", "name", routerSide, "netns", "tbgpr");
        run("ip", "-n", ns, "addr", "add", address, "dev", name);
        run("ip", "-n", ns, "link", "set", name, "up");
        run("ip", "-n", "tbgpr", "addr", "add", routerAddress, "dev", routerSide);
        run("ip", "-n", "tbgpr", "link", "set", routerSide, "up");
    }

    // ---- the routing daemons

    /** The router's FRR: the config of docs/scale-out.md, one neighbor per node. */
    void routerFrr() throws IOException {
        StringBuilder conf = new StringBuilder(String.join("\n",
                "frr defaults datacenter",
                "hostname tbgpr",
                "router bgp 65000",
                " bgp router-id 10.77.0.1",
                " no bgp ebgp-requires-policy",
                " bgp bestpath as-path multipath-relax",
                ""));
        for (int i = 1; i <= 3; i++) {
            String peer = "10.77." + i + ".2";
            conf.append(" neighbor ").append(peer).append(" remote-as 65001\n")
                    .append(" neighbor ").append(peer).append(" timers 1 ").append(HOLD_SECONDS).append('\n')
                    .append(" neighbor ").append(peer).append(" timers connect 1\n");
        }
        conf.append(" address-family ipv4 unicast\n  maximum-paths 8\n exit-address-family\n");
        frr("tbgpr", conf.toString());
    }

    void nodeFrr(int i) throws IOException {
        frr("tbgp" + i, String.join("\n",
                "frr defaults datacenter",
                "hostname tbgp" + i,
                "router bgp 65001",
                " bgp router-id 10.77." + i + ".2",
                " no bgp ebgp-requires-policy",
                " neighbor 10.77." + i + ".1 remote-as 65000",
                " neighbor 10.77." + i + ".1 timers 1 " + HOLD_SECONDS,
                " neighbor 10.77." + i + ".1 timers connect 1",
                ""));
    }

    /** zebra and bgpd in namespace {@code ns}, pathspace {@code ns} (their sockets in /var/run/frr/NS). */
    void frr(String ns, String conf) throws IOException {
        // The daemons drop to the frr user: their config, pid files and sockets are in their run directory.
        Path dir = Files.createDirectories(FRR_RUN.resolve(ns));
        Path file = dir.resolve("frr.conf");
        Files.writeString(file, conf);
        lb.file(ns + "-frr.conf", conf);
        run("chown", "-R", "frr:frr", dir.toString());
        for (String daemon : List.of("zebra", "bgpd")) {
            // Not daemonized: the test owns the process and ends it by its id.
            daemons.add(new ProcessBuilder("ip", "netns", "exec", ns, "/usr/lib/frr/" + daemon, "-N", ns,
                    "-f", file.toString(), "-i", dir.resolve(daemon + ".pid").toString())
                    .redirectErrorStream(true).redirectOutput(lb.dir().resolve(ns + "-" + daemon + ".out").toFile())
                    .start());
            String socket = daemon + ".vty";
            Poll.until(Duration.ofSeconds(20), daemon + " of " + ns + " up",
                    () -> Files.exists(FRR_RUN.resolve(ns).resolve(socket)));
        }
    }

    void nodeGobgp(int i) throws IOException {
        Path conf = lb.file("tbgp" + i + "-gobgpd.toml", String.join("\n",
                "[global.config]",
                "  as = 65001",
                "  router-id = \"10.77." + i + ".2\"",
                "  port = -1",
                "[[neighbors]]",
                "  [neighbors.config]",
                "    neighbor-address = \"10.77." + i + ".1\"",
                "    peer-as = 65000",
                "  [neighbors.timers.config]",
                "    hold-time = " + HOLD_SECONDS,
                "    keepalive-interval = 1",
                "    connect-retry = 1",
                ""));
        Process p = new ProcessBuilder("ip", "netns", "exec", "tbgp" + i, "gobgpd", "-f", conf.toString(),
                "--api-hosts", "127.0.0.1:50051", "--pprof-disable", "-p")
                .redirectErrorStream(true).redirectOutput(lb.dir().resolve("tbgp" + i + "-gobgpd.log").toFile())
                .start();
        daemons.add(p);
        gobgpd.put(i, p);
        Poll.until(Duration.ofSeconds(20), "gobgpd of tbgp" + i + " answering", () -> {
            try {
                return exec("ip", "netns", "exec", "tbgp" + i, "gobgp", "-u", "127.0.0.1", "-p", "50051",
                        "global").exit == 0;
            } catch (IOException e) {
                return false;
            }
        });
    }

    Path birdInclude(int i) {
        return lb.dir().resolve("tbgp" + i + "-bird-vips.conf");
    }

    Path birdSocket(int i) {
        return lb.dir().resolve("tbgp" + i + "-bird.ctl");
    }

    /**
     * BIRD 2 in namespace tbgpI, the bird.conf of docs/scale-out.md: it includes the file Tandem writes and
     * exports its static protocol tandem_vips to the router. Its control socket and that file are in the
     * test's directory; the file starts empty, as the operator creates it, until Tandem writes it.
     */
    void nodeBird(int i) throws IOException {
        Path include = birdInclude(i);
        Files.writeString(include, "");
        Path conf = lb.file("tbgp" + i + "-bird.conf", String.join("\n",
                "router id 10.77." + i + ".2;",
                "protocol device { }",
                "include \"" + include + "\";",
                "protocol bgp uplink {",
                "  local 10.77." + i + ".2 as 65001;",
                "  neighbor 10.77." + i + ".1 as 65000;",
                "  hold time " + HOLD_SECONDS + ";",
                "  keepalive time 1;",
                "  connect retry time 1;",
                "  ipv4 { import none; export where proto = \"tandem_vips\"; };",
                "}",
                ""));
        // In the foreground (-f): the test owns the process and ends it by its id.
        Process p = new ProcessBuilder("ip", "netns", "exec", "tbgp" + i, "bird", "-f", "-c", conf.toString(),
                "-s", birdSocket(i).toString(), "-P", lb.dir().resolve("tbgp" + i + "-bird.pid").toString())
                .redirectErrorStream(true).redirectOutput(lb.dir().resolve("tbgp" + i + "-bird.log").toFile())
                .start();
        daemons.add(p);
        Poll.until(Duration.ofSeconds(20), "bird of tbgp" + i + " answering", () -> {
            try {
                return exec("ip", "netns", "exec", "tbgp" + i, "birdc", "-s", birdSocket(i).toString(),
                        "show", "status").output.contains("Daemon is up and running");
            } catch (IOException e) {
                return false;
            }
        });
    }

    void stopDaemons() throws InterruptedException {
        for (Process p : daemons) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // ---- backends and nodes

    /** The backend of node i: a {@link StubServerMain} named nI on the node's own 127.0.0.1:9000. */
    void backend(int i) throws Exception {
        Path classes = Path.of(StubServerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path log = lb.dir().resolve("backend-n" + i + ".log");
        Process p = new ProcessBuilder("ip", "netns", "exec", "tbgp" + i, TandemProcess.javaBinary(), "-Xmx48m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dsun.net.httpserver.nodelay=true",
                "-cp", classes.toString(), StubServerMain.class.getName(), "n" + i, "9000", "ok")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        daemons.add(p);
        Poll.until(Duration.ofSeconds(30), "backend n" + i, () -> read(log).contains("ready"));
    }

    /** Tandem node i in namespace tbgpI ({@code name} names its files), announcing through {@code daemon}. */
    TandemFixture.Node startNode(int i, String name, String daemon) throws IOException {
        Path token = lb.file("token", TOKEN + "\n");
        TandemFixture.Node n = lb.node(name).launcher("ip", "netns", "exec", "tbgp" + i);
        n.config()
                .listener("web", "web", l -> l.bind("0.0.0.0:8080"))
                .adminBind("127.0.0.1", 9901)
                .admin("token-file", token.toString())
                .pool("web", p -> p.backend("127.0.0.1:9000")
                        .health("{ path: /health, interval: 200ms, timeout: 1s, rise: 1, fall: 1 }"))
                .raw(String.join("\n",
                        "failover: { mode: announce, node: n" + i + ", warm-up: { requests: 200 } }",
                        "announce:",
                        "  vips: [" + VIP + "/32]",
                        "  daemon: " + daemon,
                        "  communities: [65000:100]",
                        "  withdraw-wait: 1s",
                        "  check-interval: 200ms",
                        ""));
        n.launch(List.of("-Xmx128m"));
        Poll.until(Duration.ofSeconds(60), name + " answering /healthz",
                () -> "ok".equals(curl(i, "GET", "/healthz").strip()));
        return n;
    }

    // ---- observing

    /** The node numbers the router's route to the VIP goes through now (empty without a route). */
    Set<Integer> nextHops() {
        Set<Integer> hops = new TreeSet<>();
        try {
            Matcher m = Pattern.compile("via 10\\.77\\.(\\d)\\.2").matcher(run("ip", "-n", "tbgpr", "route", "show",
                    VIP + "/32"));
            while (m.find()) {
                hops.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException | AssertionError e) {
            return Set.of();
        }
        return hops;
    }

    /** Polls the router's next hops for the VIP until they are {@code hops}; the failure shows its state. */
    void awaitNextHops(Duration timeout, String what, Set<Integer> hops) {
        try {
            Poll.until(timeout, what, () -> nextHops().equals(hops));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + routerState(), e);
        }
    }

    String routerState() {
        try {
            return exec("ip", "-n", "tbgpr", "route").output + exec("ip", "netns", "exec", "tbgpr", "vtysh", "-N",
                    "tbgpr", "-c", "show bgp summary", "-c", "show ip bgp").output;
        } catch (IOException e) {
            return e.toString();
        }
    }

    String status(int i) {
        return curl(i, "GET", "/status");
    }

    String post(int i, String path) {
        return curl(i, "POST", path);
    }

    /** An admin call to node i from inside its namespace, with the token; "" when it does not answer. */
    String curl(int i, String method, String path) {
        try {
            Result r = exec("ip", "netns", "exec", "tbgp" + i, "curl", "-s", "-m", "10", "-X", method,
                    "-H", "Authorization: Bearer " + TOKEN, "http://127.0.0.1:9901" + path);
            return r.exit == 0 ? r.output : "";
        } catch (IOException e) {
            return "";
        }
    }

    double metric(int i, String name) {
        for (String line : curl(i, "GET", "/metrics").split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " on n" + i);
    }

    static void report(String line) {
        System.out.println("AnnounceEcmpIT: " + line);
    }

    // ---- the client

    ClientRun client(int requests, Duration limit, int pauseMillis) throws Exception {
        return new ClientRun(requests, limit, pauseMillis);
    }

    /** One run of {@link EcmpClientMain} in the client namespace. */
    final class ClientRun {
        final Process process;
        final Path log;
        final Path stopFile;
        final Map<String, Integer> ok = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
        int failed;
        String output;

        ClientRun(int requests, Duration limit, int pauseMillis) throws Exception {
            Path classes = Path.of(EcmpClientMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            log = Files.createTempFile(lb.dir(), "client-", ".log");
            stopFile = log.resolveSibling(log.getFileName() + ".stop");
            process = new ProcessBuilder("ip", "netns", "exec", "tbgpc", TandemProcess.javaBinary(), "-Xmx64m",
                    "-XX:+UseSerialGC", "-cp", classes.toString(), EcmpClientMain.class.getName(), VIP, "8080",
                    Integer.toString(requests), Long.toString(limit.toMillis()), stopFile.toString(),
                    Integer.toString(pauseMillis)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            daemons.add(process);
        }

        void awaitStarted() {
            Poll.until(Duration.ofSeconds(30), "the client started", () -> read(log).contains("started"));
        }

        void stop() throws Exception {
            Files.writeString(stopFile, "stop");
            await();
        }

        void await() throws Exception {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the client ended").isTrue();
            output = read(log);
            assertThat(output).as("the client's output").contains("done");
            for (String line : output.split("\n")) {
                String[] f = line.split(" ", 3);
                if (f[0].equals("ok")) {
                    ok.put(f[1], Integer.parseInt(f[2]));
                } else if (f[0].equals("failed")) {
                    failed = Integer.parseInt(f[1]);
                } else if (f[0].equals("failure")) {
                    failures.add(f[2]);
                }
            }
        }

        int total() {
            return failed + ok.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** The failures by kind, e.g. {ConnectException: Connection refused=12}. */
        Map<String, Integer> failureKinds() {
            Map<String, Integer> kinds = new LinkedHashMap<>();
            for (String f : failures) {
                kinds.merge(f.substring(f.indexOf(' ') + 1), 1, Integer::sum);
            }
            return kinds;
        }
    }

    // ---- set-up and clean-up

    /**
     * Removes what a killed run left: the processes in tbgp* namespaces (by their ids, as {@code ip netns pids}
     * lists them), the namespaces (their veths go with them), FRR's run directories of this test.
     */
    void removeLeftovers() throws IOException {
        for (String line : run("ip", "netns", "list").split("\n")) {
            String ns = line.split(" ")[0];
            if (!ns.startsWith("tbgp")) {
                continue;
            }
            for (String pid : exec("ip", "netns", "pids", ns).output.split("\\s+")) {
                if (pid.matches("\\d+")) {
                    exec("kill", "-9", pid);
                }
            }
            exec("ip", "netns", "del", ns);
        }
        for (String ns : List.of("tbgpr", "tbgp1", "tbgp2", "tbgp3")) {
            Path dir = FRR_RUN.resolve(ns);
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * Skips without root, {@code ip netns}, iptables, FRR or GoBGP (a developer machine), but fails with
     * {@code CI=true}: .ci/run installs them, and the ECMP proof must never silently not run.
     */
    static void requireTools() {
        String why = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            why = "network namespaces and routing daemons need root";
        } else {
            for (String[] tool : List.of(new String[] {"ip", "netns", "list"},
                    new String[] {"iptables", "--version"},
                    new String[] {"/usr/lib/frr/bgpd", "--version"},
                    new String[] {"/usr/lib/frr/zebra", "--version"},
                    new String[] {"vtysh", "--help"},
                    new String[] {"gobgpd", "--version"},
                    new String[] {"gobgp", "--version"},
                    new String[] {"bird", "--version"},
                    new String[] {"birdc", "--help"},
                    new String[] {"curl", "--version"})) {
                try {
                    Result r = exec(tool);
                    if (r.exit != 0 && !tool[1].equals("--help")) {
                        why = String.join(" ", tool) + " does not run: " + r.output.strip();
                    }
                } catch (IOException e) {
                    why = tool[0] + " is missing (apt-get install frr gobgpd bird2 iptables curl)";
                }
                if (why != null) {
                    break;
                }
            }
        }
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + why);
        }
        Assumptions.assumeTrue(why == null, why + " (outside CI this test skips)");
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a command that must succeed; returns its output. */
    static String run(String... command) throws IOException {
        Result r = exec(command);
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + r.exit + "): " + r.output);
        }
        return r.output;
    }

    record Result(int exit, String output) {}

    /** Runs a command for at most {@link #COMMAND_TIMEOUT}; exit -1 when it did not end in time. */
    static Result exec(String... command) throws IOException {
        // Into a file, not a pipe: a long output (/metrics) would block the command until the timeout.
        Path out = Files.createTempFile("tbgp-exec-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, String.join(" ", command) + ": timed out");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                return new Result(-1, "interrupted");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
