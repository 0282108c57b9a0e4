package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.failover.FailoverState;
import io.tandem.core.failover.Heartbeat;
import io.tandem.core.failover.HeartbeatCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pair of real Tandem processes on loopback, without VIPs (so without Docker or privileges): the
 * heartbeat protocol, the notify script, the clean-stop handover, and forged heartbeats sent by the test.
 */
class FailoverLoopbackIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();
    final byte[] key = new byte[32];
    final HttpClient http = HttpClient.newHttpClient();
    StubBackend web;
    Path keyFile;
    /** The heartbeat ports of lb-a and lb-b. */
    final int[] udp = Ports.free(2);
    /** lb-a and lb-b. */
    final TandemFixture.Node[] nodes = new TandemFixture.Node[2];
    TandemProcess a;
    TandemProcess b;

    @BeforeEach
    void backend() throws IOException {
        ThreadLocalRandom.current().nextBytes(key);
        keyFile = lb.file("pair.key", HexFormat.of().formatHex(key) + "\n");
        web = lb.stub("web-1");
    }

    /** Configures node {@code i} of the pair (0: lb-a, 1: lb-b); its peer is the other one. */
    TandemFixture.Node config(int i, String node, int priority, Path notify) {
        nodes[i] = lb.node(node);
        nodes[i].config()
                .listener("web", "web")
                .pool("web", p -> p.backend(web))
                .failover(f -> f.node(node).priority(priority)
                        .bind("127.0.0.1:" + udp[i]).peer("127.0.0.1:" + udp[1 - i])
                        .advertInterval(Duration.ofMillis(50)).authKeyFile(keyFile)
                        // Without a VIP a pair member needs a notify script.
                        .notify(notify == null ? "/bin/true" : notify));
        return nodes[i];
    }

    /** A notify script that appends its argument to a file; with {@code failFirst} its first run exits 1. */
    Path notifyScript(String node, boolean failFirst) throws IOException {
        Path roles = lb.dir().resolve(node + ".roles");
        Path script = lb.dir().resolve(node + "-notify.sh");
        String first = failFirst ? "[ -e " + lb.dir().resolve(node + ".failed") + " ] || { touch "
                + lb.dir().resolve(node + ".failed") + "; exit 1; }\n" : "";
        Files.writeString(script, "#!/bin/sh\n" + first + "echo \"$1\" >> " + roles + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    String roles(String node) {
        Path p = lb.dir().resolve(node + ".roles");
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    String get(int i, String path) {
        try {
            return http.send(HttpRequest.newBuilder(nodes[i].admin().uri(path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    String state(int i) {
        Matcher m = Pattern.compile("\"failover\"\\s*:\\s*\\{[^}]*?\"role\"\\s*:\\s*\"(\\w+)\"").matcher(get(i, "/status"));
        return m.find() ? m.group(1).toUpperCase(java.util.Locale.ROOT) : null;
    }

    double metric(int i, String sample) {
        for (String line : get(i, "/metrics").split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    void startPair(Path notifyA, Path notifyB) throws IOException {
        a = config(0, "lb-a", 150, notifyA).start();
        b = config(1, "lb-b", 100, notifyB).start();
        Poll.until(Duration.ofSeconds(20), "lb-a MASTER, lb-b BACKUP\n" + a.output() + b.output(),
                () -> "MASTER".equals(state(0)) && "BACKUP".equals(state(1)));
    }

    HttpResponse<String> reload(int i) throws Exception {
        return http.send(HttpRequest.newBuilder(nodes[i].admin().uri("/api/v1/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    double transitions(int i) {
        double sum = 0;
        for (String to : new String[] {"MASTER", "BACKUP", "FAULT", "INIT"}) {
            sum += metric(i, "tandem_failover_transitions_total{to=\"" + to + "\"}");
        }
        return sum;
    }

    // A reload of the failover settings applies in place: a new priority and interval on the backup
    // cause no role change over many heartbeats; raising it above the master preempts on purpose;
    // a change that needs a restart (the heartbeat socket) is refused and the old config stays.
    @Test
    void failoverSettingsReloadWithoutSpuriousRoleChange() throws Exception {
        startPair(null, null);
        TandemConfig.Failover cb = nodes[1].config().failover();
        double transitionsA = transitions(0);
        double transitionsB = transitions(1);

        cb.priority(120).advertInterval(Duration.ofMillis(30));
        nodes[1].writeConfig();
        HttpResponse<String> r = reload(1);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("~failover settings");
        double sent = metric(1, "tandem_failover_heartbeats_sent_total");
        Poll.until(Duration.ofSeconds(20), "30 more heartbeats from lb-b",
                () -> metric(1, "tandem_failover_heartbeats_sent_total") >= sent + 30);
        assertThat(state(0)).isEqualTo("MASTER");
        assertThat(state(1)).isEqualTo("BACKUP");
        assertThat(transitions(0)).isEqualTo(transitionsA);
        assertThat(transitions(1)).isEqualTo(transitionsB);
        assertThat(get(1, "/status")).containsPattern("\"priority\"\\s*:\\s*120");
        assertThat(b.output()).contains("failover settings reloaded: priority 120, advert-interval 30ms");

        // A node takes the VIPs from a working master only when it is ready (its warm-up is done).
        Poll.until(Duration.ofSeconds(60), "lb-b ready", () -> get(1, "/status").matches("(?s).*\"ready\"\\s*:\\s*true.*"));
        cb.priority(200).advertInterval(Duration.ofMillis(50));
        nodes[1].writeConfig();
        assertThat(reload(1).statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "lb-b MASTER, lb-a BACKUP",
                () -> "MASTER".equals(state(1)) && "BACKUP".equals(state(0)));
        assertThat(b.output()).contains("preempting lower-priority master lb-a");

        int otherPort = Ports.free();
        cb.priority(100).bind("127.0.0.1:" + otherPort);
        nodes[1].writeConfig();
        HttpResponse<String> refused = reload(1);
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("failover.bind: changed, which needs a restart");
        assertThat(state(1)).isEqualTo("MASTER");
    }

    // The warm standby's requests (GET of the check path, every 20 ms per I/O thread here) are answered 200 by a
    // backend whose clients get 500s: those 200s do not break the clients' run of 5xx, so the second 500 in
    // a row ejects it however many warm-up requests went to it between the two.
    @Test
    void warmUpAnswersDoNotResetTheClientsRunOf5xx() throws Exception {
        StubBackend bad = lb.stub("bad");
        config(0, "lb-a", 150, null);
        nodes[0].config().listener("api", "api")
                .pool("api", p -> p.backend(bad).outlier("consecutive-5xx: 2, ejection-time: 1m, "
                        + "max-ejected-percent: 100"));
        nodes[0].config().failover().set("warm-up", "{ requests: 20, interval: 20ms }");
        a = nodes[0].start();
        Poll.until(Duration.ofSeconds(20), "lb-a MASTER", () -> "MASTER".equals(state(0)));
        String warmUp = "tandem_requests_total{backend=\"" + bad.address() + "\",code=\"200\",listener=\"warm-up\",pool=\"api\"}";
        URI clients = nodes[0].uri("api", "/status/500");
        assertThat(http.send(HttpRequest.newBuilder(clients).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(500);
        double before = metric(0, warmUp);
        Poll.until(Duration.ofSeconds(10), "5 warm-up requests answered 200 by the backend",
                () -> metric(0, warmUp) >= before + 5);
        assertThat(backendState(0, "api", bad.address())).isEqualTo("up");
        assertThat(http.send(HttpRequest.newBuilder(clients).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(500);
        assertThat(backendState(0, "api", bad.address())).isEqualTo("ejected");
    }

    String backendState(int i, String pool, String address) {
        Matcher m = Pattern.compile("\"address\"\\s*:\\s*\"" + Pattern.quote(address)
                + "\"[^}]*?\"state\"\\s*:\\s*\"(\\w+)\"").matcher(get(i, "/api/v1/pools/" + pool + "/backends"));
        return m.find() ? m.group(1) : null;
    }

    // SIGTERM to the master: lb-b becomes MASTER on the handover heartbeat and its notify script says so.
    @Test
    void cleanStopHandsOverAndNotifies() throws Exception {
        startPair(notifyScript("lb-a", false), notifyScript("lb-b", false));
        Poll.until(Duration.ofSeconds(10), "lb-a notified MASTER", () -> roles("lb-a").contains("MASTER"));
        a.process().destroy();
        assertThat(a.awaitExit(Duration.ofSeconds(20))).isZero();
        Poll.until(Duration.ofSeconds(10), "lb-b MASTER", () -> "MASTER".equals(state(1)));
        assertThat(b.output()).contains("failover BACKUP -> MASTER: peer lb-a handed over (priority 0)");
        assertThat(a.output()).contains("failover MASTER -> INIT: shutting down");
        Matcher held = Pattern.compile("peer lb-b holds the VIPs after (\\d+)ms; this node releases them after its "
                + "drain \\(heartbeat thread woke (\\d+) times while handing over\\)").matcher(a.output());
        assertThat(held.find()).as("handover line in\n%s", a.output()).isTrue();
        // At 50 ms adverts it waits at most 12 ms at a time, and each heartbeat of lb-b ends one wait: some 10
        // wake-ups per 100 ms. A heartbeat left unread in the socket made the 100 ms linger after the
        // handover spin (tens of thousands of wake-ups, a CPU at real-time priority) before it was read.
        long heldAfter = Long.parseLong(held.group(1));
        assertThat(Long.parseLong(held.group(2))).as("wake-ups in %dms of handover and 100ms of linger", heldAfter)
                .isLessThanOrEqualTo(20 + (heldAfter + 100) / 5);
        Poll.until(Duration.ofSeconds(10), "lb-b notified MASTER", () -> roles("lb-b").endsWith("MASTER\n"));
        assertThat(roles("lb-b")).isEqualTo("BACKUP\nMASTER\n");
    }

    // SIGKILL of the master: lb-b takes over when the master-down interval runs out.
    @Test
    void killedMasterIsReplaced() throws Exception {
        startPair(null, null);
        a.process().destroyForcibly().waitFor();
        Poll.until(Duration.ofSeconds(10), "lb-b MASTER", () -> "MASTER".equals(state(1)));
        assertThat(b.output()).contains("failover BACKUP -> MASTER: no heartbeat from lb-a for 180ms");
        assertThat(metric(1, "tandem_failover_role{node=\"lb-b\"}")).isEqualTo(1.0);
    }

    // A notify script that fails is logged, counted and run again until it succeeds.
    @Test
    void failedNotifyIsRetried() throws Exception {
        startPair(notifyScript("lb-a", true), null);
        Poll.until(Duration.ofSeconds(15), "lb-a notified MASTER after a retry", () -> roles("lb-a").contains("MASTER"));
        assertThat(metric(0, "tandem_failover_action_failures_total{action=\"notify\"}")).isEqualTo(1.0);
        assertThat(a.output()).containsPattern("notify script .* failed \\(1\\), attempt 1");
        assertThat(state(0)).isEqualTo("MASTER");
    }

    // Forged MASTER heartbeats at priority 254 (wrong key, another cluster, a replayed sequence) are dropped
    // and counted; the same heartbeat signed with the pair key moves the master, so the checks are what held.
    @Test
    void forgedHeartbeatsAreDroppedAndCounted() throws Exception {
        startPair(null, null);
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", udp[0]);
        byte[] wrongKey = new byte[32];
        ThreadLocalRandom.current().nextBytes(wrongKey);
        long epoch = System.currentTimeMillis() + 60_000;
        try (DatagramChannel ch = DatagramChannel.open()) {
            send(ch, target, new HeartbeatCodec(1, wrongKey), new Heartbeat(1, "lb-b", 254, 50, FailoverState.MASTER,
                    true, epoch, 1));
            send(ch, target, new HeartbeatCodec(2, key), new Heartbeat(2, "lb-b", 254, 50, FailoverState.MASTER,
                    true, epoch, 1));
            // lb-b's real heartbeats carry its boot epoch (its start time): an older epoch is a replay.
            send(ch, target, new HeartbeatCodec(1, key), new Heartbeat(1, "lb-b", 254, 50, FailoverState.MASTER,
                    true, 1, 1_000_000));
            Poll.until(Duration.ofSeconds(10), "three rejections counted", () ->
                    metric(0, "tandem_failover_heartbeats_rejected_total{reason=\"bad-mac\"}") == 1
                            && metric(0, "tandem_failover_heartbeats_rejected_total{reason=\"other-cluster\"}") == 1
                            && metric(0, "tandem_failover_heartbeats_rejected_total{reason=\"replay\"}") == 1);
            assertThat(state(0)).isEqualTo("MASTER");
            assertThat(metric(0, "tandem_failover_transitions_total{to=\"BACKUP\"}")).isEqualTo(1.0);

            send(ch, target, new HeartbeatCodec(1, key), new Heartbeat(1, "lb-b", 254, 50, FailoverState.MASTER,
                    true, epoch, 1));
            Poll.until(Duration.ofSeconds(10), "lb-a steps down for the authentic heartbeat",
                    () -> "BACKUP".equals(state(0)));
            assertThat(a.output()).contains("failover MASTER -> BACKUP: heard master lb-b with higher priority 254 > 150");
        }
    }

    private static void send(DatagramChannel ch, InetSocketAddress to, HeartbeatCodec codec, Heartbeat hb)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(HeartbeatCodec.MAX_SIZE);
        codec.encode(hb, buf);
        ch.send(buf.flip(), to);
    }
}
