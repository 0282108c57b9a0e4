package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pair with an IPv6 VIP, on Linux network namespaces this test makes: a bridge in the root namespace
 * ({@code fd77:X::1/64}, a random ULA /64) and one namespace per node, joined to it by a veth pair
 * ({@code eth0}: lb-a {@code ::a}, lb-b {@code ::b}; the VIP is {@code ::100}). The test JVM is the client,
 * in the root namespace on the bridge; the stub backends listen on the bridge address. Needs root and
 * {@code ip netns}; skips without them, except with {@code CI=true}, where it fails.
 *
 * <p>The takeover is a {@code kill -9} of lb-a: its namespace lives on and still holds the VIP (as the
 * host of a crashed JVM does), so its kernel keeps answering neighbour solicitations for it, and the
 * client's neighbour entry keeps lb-a's MAC unless lb-b's unsolicited neighbour advertisement overrides
 * it. The client sends nothing to the VIP between the kill and the check, so nothing else can change it.
 */
class FailoverIpv6IT {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();
    final String tag = "t6" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt(1 << 16));
    final String prefix = "fd77:" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1, 1 << 16)) + "::";
    final String bridge = tag + "br";
    final String vip = prefix + "100";
    final List<String> namespaces = new ArrayList<>();
    TandemProcess a;
    TandemProcess b;

    /**
     * Deleting a namespace deletes the veth pair in it (and, once its processes are gone, the namespace
     * itself); the root ends are deleted too, in case; the bridge is this test's alone. Registered first
     * with the fixture, so it runs after the nodes and the stubs are gone.
     */
    void deleteNetwork() throws IOException {
        for (String ns : namespaces) {
            exec("ip", "netns", "del", ns);
            exec("ip", "link", "del", ns);
        }
        exec("ip", "link", "del", bridge);
    }

    @Test
    void ipv6VipMovesWithUnsolicitedNeighbourAdvertisement() throws Exception {
        requireNetns();
        lb.closeAfter((AutoCloseable) this::deleteNetwork);
        Path key = lb.file("pair.key", HexFormat.of().formatHex(randomKey()) + "\n");

        run("ip", "link", "add", bridge, "type", "bridge");
        run("ip", "link", "set", bridge, "up");
        run("ip", "addr", "add", prefix + "1/64", "dev", bridge, "nodad");
        String macA = node("a");
        String macB = node("b");

        InetAddress host = InetAddress.getByName(prefix + "1");
        StubBackend viaA = lb.stub("via-lb-a", host);
        StubBackend viaB = lb.stub("via-lb-b", host);

        // lb-a first, so that it becomes MASTER; lb-b then joins as BACKUP.
        a = start("a", config("lb-a", 150, "a", "b", viaA, key));
        Poll.until(Duration.ofSeconds(20), "lb-a MASTER holding the VIP\n" + a.output(),
                () -> "MASTER".equals(role("a")) && vipsHeld("a"));
        b = start("b", config("lb-b", 100, "b", "a", viaB, key));
        Poll.until(Duration.ofSeconds(20), "lb-b BACKUP\n" + b.output(), () -> "BACKUP".equals(role("b")));
        assertThat(a.output()).doesNotContain("does not run");

        assertThat(get()).isEqualTo("hello from via-lb-a");
        assertThat(neighbour()).as("the client's neighbour entry for the VIP").isEqualTo(macA);

        a.process().destroyForcibly();
        assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        Poll.until(Duration.ofSeconds(10), "lb-b MASTER holding the VIP\n" + b.output(),
                () -> "MASTER".equals(role("b")) && vipsHeld("b"));
        // Usable at once: added with nodad, never tentative (DAD would keep it so for a second or more).
        assertThat(vipLine("b")).as("the VIP on lb-b").contains("nodad").doesNotContain("tentative");
        // The killed node's host still has the VIP: only an advertisement can move the client.
        assertThat(vipLine("a")).as("the VIP on lb-a after kill -9").isNotEmpty();

        // The NAs go out at 0, 150 ms, 1.1 s and 2.5 s; nothing is sent to the VIP meanwhile.
        Poll.until(Duration.ofSeconds(5), "the client's neighbour entry for " + vip + " has lb-b's MAC " + macB,
                () -> macB.equals(neighbour()));
        assertThat(macB).isNotEqualTo(macA);
        assertThat(get()).isEqualTo("hello from via-lb-b");
        assertThat(metric("b", "tandem_failover_action_failures_total")).as("failed actions on lb-b").isEmpty();
        assertThat(b.output()).doesNotContain("does not run").contains("failover BACKUP -> MASTER: no heartbeat from lb-a");
    }

    /** Makes namespace {@code tagN} with eth0 = {@code prefix::N} on the bridge; returns eth0's MAC. */
    String node(String n) throws IOException {
        String ns = tag + n;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "link", "add", tag + n, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "link", "set", tag + n, "master", bridge, "up");
        run("ip", "-n", ns, "link", "set", "lo", "up");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        run("ip", "-n", ns, "addr", "add", prefix + n + "/64", "dev", "eth0", "nodad");
        Matcher m = Pattern.compile("link/ether (\\S+)").matcher(run("ip", "-n", ns, "link", "show", "eth0"));
        assertThat(m.find()).isTrue();
        return m.group(1).toLowerCase(Locale.ROOT);
    }

    /** Node {@code node} in namespace tagSELF, its heartbeats to the one in tagPEER, the stub behind it. */
    TandemFixture.Node config(String node, int priority, String self, String peer, StubBackend backend, Path key) {
        TandemFixture.Node n = lb.node(node);
        n.config()
                .listener("web", "web", l -> l.bind("[::]:8080"))
                .adminBind("[" + prefix + self + "]", 9901)
                .pool("web", p -> p.backend("[" + prefix + "1]:" + backend.port()))
                .failover(f -> f.node(node).priority(priority)
                        .bind("[" + prefix + self + "]:5405").peer("[" + prefix + peer + "]:5405")
                        .advertInterval(Duration.ofMillis(100)).authKeyFile(key)
                        .vip(vip + "/64", "eth0"));
        return n;
    }

    /** Runs node {@code n} in namespace tagN and waits until its admin server answers there. */
    TandemProcess start(String n, TandemFixture.Node node) throws IOException {
        return node.launcher("ip", "netns", "exec", tag + n).start("-Xmx128m");
    }

    /** GET / through the VIP on a new connection; the body names the backend, so the node that served. */
    String get() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://[" + vip + "]:8080/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    String status(String n) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            return client.send(HttpRequest.newBuilder(URI.create("http://[" + prefix + n + "]:9901/status"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    String role(String n) {
        Matcher m = Pattern.compile("\"failover\"\\s*:\\s*\\{[^}]*?\"role\"\\s*:\\s*\"(\\w+)\"").matcher(status(n));
        return m.find() ? m.group(1).toUpperCase(Locale.ROOT) : null;
    }

    boolean vipsHeld(String n) {
        return Pattern.compile("\"vipsHeld\"\\s*:\\s*true").matcher(status(n)).find();
    }

    /** The failure counters lb-N reports (lines of /metrics), none when every action succeeded. */
    List<String> metric(String n, String name) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String text = client.send(HttpRequest.newBuilder(URI.create("http://[" + prefix + n + "]:9901/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith(name + "{")).toList();
    }

    /** The line of {@code ip -6 addr} for the VIP in namespace tagN and the flags line under it, or "". */
    String vipLine(String n) throws IOException {
        String out = run("ip", "-n", tag + n, "-6", "addr", "show", "dev", "eth0");
        Matcher m = Pattern.compile("inet6 " + Pattern.quote(vip) + "/64[^\\n]*").matcher(out);
        return m.find() ? m.group() : "";
    }

    /** The MAC in the root namespace's neighbour entry for the VIP, or null without one. */
    String neighbour() {
        try {
            Matcher m = Pattern.compile("lladdr (\\S+)").matcher(run("ip", "-6", "neigh", "show", vip, "dev", bridge));
            return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static byte[] randomKey() {
        byte[] key = new byte[32];
        ThreadLocalRandom.current().nextBytes(key);
        return key;
    }

    /**
     * Skips without root or {@code ip netns} (a developer machine), but fails with {@code CI=true}: CI runs as
     * root, and the IPv6 failover proof must never silently not run. Fails without na6 (ipv6toolkit).
     */
    static void requireNetns() {
        String why = null;
        try {
            Result r = exec("ip", "netns", "list");
            if (r.exit != 0) {
                why = "ip netns does not run: " + r.output.strip();
            } else if (!"root".equals(System.getProperty("user.name"))) {
                why = "namespaces and bridges need root";
            }
        } catch (IOException e) {
            why = "ip does not run: " + e.getMessage();
        }
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + why);
        }
        Assumptions.assumeTrue(why == null, why + " (outside CI this test skips)");
        String na6;
        try {
            na6 = exec("na6", "-h").output;
        } catch (IOException e) {
            na6 = e.getMessage();
        }
        assertThat(na6).as("na6 (apt-get install ipv6toolkit), which announces IPv6 VIPs").contains("usage: na6");
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
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
