package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.DockerPair.Node;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The failover pair proven with two real nodes: containers of the image built from docker/Dockerfile on
 * a Docker network this test creates, the test JVM as the client of the VIP (a GET every 10 ms on a fresh
 * connection, see {@link VipProbe}). Each scenario runs once; {@code -Dfailover.runs=5} repeats the timed
 * ones and appends min/median/max to lb-it/target/failover/measurements.txt (docs/benchmarks.md).
 */
class FailoverDockerIT {

    static final Duration ADVERT = Duration.ofMillis(100);
    static final int RUNS = Integer.getInteger("failover.runs", 1);
    static final Duration PROBE_LIMIT = Duration.ofSeconds(90);
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Consecutive successful probes (about 200 ms of traffic) that show who serves the VIP. */
    static final int SERVED = 20;

    @BeforeAll
    static void docker() {
        DockerPair.requireDocker();
        DockerPair.image();
    }

    interface Run {
        long once() throws Exception;
    }

    /** Runs a scenario {@link #RUNS} times, each with a fresh pair; reports min/median/max of its value. */
    static List<Long> repeat(String what, String unit, Run run) throws Exception {
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            all.add(run.once());
        }
        List<Long> sorted = new ArrayList<>(all);
        sorted.sort(null);
        String line = String.format("%s: runs=%d min=%d%s median=%d%s max=%d%s all=%s", what, RUNS,
                sorted.get(0), unit, sorted.get(sorted.size() / 2), unit, sorted.get(sorted.size() - 1), unit, all);
        System.out.println("FAILOVER " + line);
        DockerPair.writeReport(line);
        return all;
    }

    static void servedBy(VipProbe probe, Node node) {
        try {
            Poll.until(WAIT, "the VIP served through " + node.name + " (" + node.ip + ")",
                    () -> probe.lastServedBy(node.ip, SERVED));
        } catch (AssertionError e) {
            List<VipProbe.Result> all = probe.results();
            throw new AssertionError(e.getMessage() + "\nlast probes: " + all.subList(Math.max(0, all.size() - 5),
                    all.size()) + "\n" + node.pair().logsOfAll(), e);
        }
    }

    /** RFC 5798's master-down interval of the priority-100 backup: 3 adverts and a skew of 156/256 advert. */
    static Duration masterDown(Duration advert) {
        return advert.multipliedBy(3).plus(advert.multipliedBy(156).dividedBy(256));
    }

    // docker kill of the master, about a second after the backup started: the client is served again within
    // 20 ms of the backup's first gratuitous ARP reaching it (its ARP table changes), so the outage is the
    // master-down interval and no more.
    @Test
    void masterKilled() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 100ms: served again after the kill", "ms",
                () -> killMaster(ADVERT));
    }

    @Test
    void masterKilledAt20msAdverts() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 20ms: served again after the kill", "ms",
                () -> killMaster(Duration.ofMillis(20)));
    }

    /** The time from the kill to the client's first answer after its last failed probe, in ms. */
    private static long killMaster(Duration advert) throws Exception {
        try (DockerPair pair = new DockerPair(advert)) {
            Node[] n = pair.startPair();
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, n[0]);
                // The event comes when the backup says it is ready (warm, live backends), which it is about a
                // second after it started: the age is printed and recorded with the measurements.
                Poll.until(WAIT, "lb-b ready", n[1]::ready);
                boolean warm = n[1].ready();
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                n[0].kill();
                servedBy(probe, n[1]);
                Instant garp = n[1].loggedAt("VIPs .* configured in \\d+ms; announcing them", killedAt);
                Instant served = probe.servedAgainAfter(event);
                long arpAt = probe.arpChangeAfter(event);
                assertThat(garp).as("lb-b announced the VIP\n" + n[1].logs()).isNotNull();
                assertThat(served).as("the kill cost at least one probe").isNotNull();
                assertThat(arpAt).as("the client's ARP entry for the VIP changed (lb-b's gratuitous ARP arrived)")
                        .isPositive();
                long afterKill = Duration.between(killedAt, served).toMillis();
                long afterArp = (probe.servedAgainNanos(event) - arpAt) / 1_000_000;
                StringBuilder first = new StringBuilder();
                probe.results().stream().filter(r -> r.ok() && r.startNanos() >= arpAt).limit(5)
                        .forEach(r -> first.append(' ').append((r.startNanos() - arpAt) / 1_000_000)
                                .append('+').append((r.endNanos() - r.startNanos()) / 1_000_000));
                System.out.printf("FAILOVER kill at %dms adverts: backup %dms old (%s), MASTER +%dms, VIP announced +%dms "
                                + "(logged), the client's ARP entry moved +%dms, served again +%dms (%dms after the ARP "
                                + "entry moved), %d probes failed; first answers after it (start+latency ms):%s%n",
                        advert.toMillis(), Duration.between(n[1].startedAt, killedAt).toMillis(),
                        warm ? "ready" : "still warming up",
                        Duration.between(killedAt, n[1].loggedAt("BACKUP -> MASTER", killedAt)).toMillis(),
                        Duration.between(killedAt, garp).toMillis(),
                        Duration.between(killedAt, probe.wall(arpAt)).toMillis(), afterKill, afterArp,
                        probe.failedAfter(event), first);
                assertThat(n[1].state()).isEqualTo("MASTER");
                assertThat(n[1].loggedAt("failover BACKUP -> MASTER: no heartbeat from lb-a", Instant.EPOCH)).isNotNull();
                // Probes start every 10 ms: the first one after the gratuitous ARP starts within 10 ms of it and
                // must be answered within the next 10.
                assertThat(afterArp).as("served again after the gratuitous ARP reached the client; failed probes:%s",
                        probe.describe(event)).isLessThanOrEqualTo(20);
                // The last heartbeat came before the kill: the backup is MASTER at most one master-down interval
                // (and one advert's jitter) after it; then the VIP is added and announced within
                // TAKEOVER_MILLIS, and the client is served within 20 ms of the announcement (asserted above).
                long master = Duration.between(killedAt, n[1].loggedAt("BACKUP -> MASTER", killedAt)).toMillis();
                assertThat(master).as("MASTER after the kill (asked Docker at %s)\n%s", killedAt, n[1].logs()).isLessThanOrEqualTo(
                        masterDown(advert).toMillis() + advert.toMillis() + KILL_LATENCY_MILLIS);
                assertThat(Duration.between(killedAt, probe.wall(arpAt)).toMillis() - master)
                        .as("the client's ARP entry moved after MASTER\n%s", n[1].logs()).isLessThanOrEqualTo(TAKEOVER_MILLIS);
                return afterKill;
            }
        }
    }

    /**
     * Failed probes a planned event may cost here: none in every 5-run series (docs/benchmarks.md), but a
     * connection whose handshake went to the old master and whose request follows the gratuitous ARP to
     * the new one is reset by it (no proxy without connection sync avoids that race, keepalived + HAProxy
     * included), and once in a CI run one was.
     */
    static final long PLANNED_EVENT_LOSS = 1;

    /** How long the Docker API may take to deliver a kill after the test asked (the event is counted from the ask). */
    static final long KILL_LATENCY_MILLIS = 30;

    /**
     * From MASTER to the gratuitous ARP reaching the client: adding the VIP (the batch {@code ip} already
     * running) and announcing it (the armed {@code arping}). Measured 3-16 ms on this 2-core machine in CI
     * runs, 6-8 ms at load 11; 30 before the announcement was started ahead of need. On 2026-12-07, 1-6 ms
     * in most of some 30 kill runs and 27-29 ms in 3 of them (the ip and arping processes waiting for a
     * CPU that the two JVMs, dockerd and the client share): the bound catches a takeover that stalls, not
     * that scheduling noise.
     */
    static final long TAKEOVER_MILLIS = 40;

    // Only the JVM dies, its host keeps the VIP: the backup's gratuitous ARP wins. The restarted node removes
    // the stale VIP, comes up BACKUP, warms its data path and only then preempts, without a failed request.
    @Test
    void restartedMasterPreemptsWithoutAFailedRequest() throws Exception {
        repeat("master's JVM SIGKILLed and restarted, preempts back, advert 100ms: failed probes", "",
                () -> preemptBack(ADVERT));
    }

    @Test
    void restartedMasterPreemptsWithoutAFailedRequestAt20msAdverts() throws Exception {
        repeat("master's JVM SIGKILLed and restarted, preempts back, advert 20ms: failed probes", "",
                () -> preemptBack(Duration.ofMillis(20)));
    }

    private static long preemptBack(Duration advert) throws Exception {
        try (DockerPair pair = new DockerPair(advert)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, a);
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                a.killJvm();
                boolean held = a.holdsVip();
                assertThat(held).as("the dead JVM's host still holds the VIP (%dms after the kill was asked)\n%s%s",
                        Duration.between(killedAt, Instant.now()).toMillis(),
                        held ? "" : a.container.execInContainer("ip", "-o", "-4", "addr", "show").getStdout(),
                        held ? "" : a.logs()).isTrue();
                servedBy(probe, b);
                // The entrypoint restarts Tandem after 2 s; the new JVM cleans up, waits as BACKUP, warms, preempts.
                // Failed probes count from when it is warm, the start of the preemption: before that, a JVM
                // starting and warming up beside the serving master, on the 2-core machine that also runs the
                // backends and the client, can hold the master's answers up for a moment (seen: 2 probes, and
                // once in a local CI run 12 probes, 400 ms, right after the restarted JVM came up), which on
                // two hosts it cannot. Those are printed, not asserted.
                Poll.until(WAIT, "lb-a restarted as BACKUP", () -> "BACKUP".equals(a.state()));
                long servedByBackup = System.nanoTime();
                Instant servedByBackupAt = Instant.now();
                Poll.until(WAIT, "lb-a MASTER again and lb-b BACKUP\n" + a.logs() + b.logs(),
                        () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                servedBy(probe, a);
                Instant removed = a.loggedAt("removed VIP " + pair.vip() + "/24 from eth0: an earlier run left it", killedAt);
                Instant backup = a.loggedAt("failover INIT -> BACKUP: started", killedAt);
                Instant warm = a.loggedAt("warm standby: \\d+ requests .*; warm", killedAt);
                Instant master = a.loggedAt("failover BACKUP -> MASTER: preempting lower-priority master lb-b", killedAt);
                Instant released = b.loggedAt("VIPs " + pair.vip() + "/24 on eth\\d released", killedAt);
                assertThat(removed).as("stale VIP removed at start\n" + a.logs()).isNotNull();
                assertThat(backup).as("came up as BACKUP").isNotNull().isAfterOrEqualTo(removed);
                assertThat(warm).as("warmed up\n" + a.logs()).isNotNull().isAfterOrEqualTo(backup);
                assertThat(master).as("preempted only once warm").isNotNull().isAfterOrEqualTo(warm);
                assertThat(b.loggedAt("failover MASTER -> BACKUP: heard master lb-a", killedAt)).isNotNull();
                assertThat(released).as("lb-b released the VIP after its requests in flight\n" + b.logs())
                        .isNotNull().isAfter(master);
                assertThat(b.holdsVip()).isFalse();
                assertThat(a.holdsVip()).isTrue();
                long warmNanos = servedByBackup + Duration.between(servedByBackupAt, warm).toNanos();
                long failed = probe.failedAfter(warmNanos);
                System.out.printf("FAILOVER preempt back at %dms adverts: lb-a BACKUP +%dms after the kill, warm +%dms, "
                                + "MASTER +%dms, lb-b released the VIP %dms after lb-a took over; %d probes failed "
                                + "from warm on%s; %d while lb-a started and warmed up beside lb-b%s%n",
                        advert.toMillis(), Duration.between(killedAt, backup).toMillis(),
                        Duration.between(killedAt, warm).toMillis(), Duration.between(killedAt, master).toMillis(),
                        Duration.between(master, released).toMillis(), failed, probe.describe(warmNanos),
                        probe.failedAfter(servedByBackup) - failed, probe.describe(servedByBackup));
                assertThat(failed).as("failed probes of the preemption:%s\n%s", probe.describe(warmNanos),
                        pair.logsOfAll()).isLessThanOrEqualTo(PLANNED_EVENT_LOSS);
                return failed;
            }
        }
    }

    // docker pause of the master for about 3 s: the backup takes over. On unpause the old master learns from
    // the first heartbeat it reads that the peer took over and steps aside at once, without announcing; then,
    // still warm, it preempts back the planned way. No request fails after the resume.
    @Test
    void frozenMasterStepsAsideAndComesBackHitlessly() throws Exception {
        repeat("master frozen 3s (docker pause) then resumed, advert 100ms: failed probes after the resume", "",
                () -> freezeMaster(ADVERT));
    }

    @Test
    void frozenMasterStepsAsideAt20msAdverts() throws Exception {
        repeat("master frozen 3s (docker pause) then resumed, advert 20ms: failed probes after the resume", "",
                () -> freezeMaster(Duration.ofMillis(20)));
    }

    private static long freezeMaster(Duration advert) throws Exception {
        try (DockerPair pair = new DockerPair(advert)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, a);
                Instant pausedAt = Instant.now();
                a.pause();
                servedBy(probe, b);
                // Frozen about 3 s in all: the takeover, then about 2.5 s of answers through lb-b.
                Poll.until(WAIT, "250 answers through lb-b", () -> probe.lastServedBy(b.ip, 250));
                long event = System.nanoTime();
                Instant unpauseCalled = Instant.now();
                a.unpause();
                Poll.until(WAIT, "lb-a MASTER again and lb-b BACKUP\n" + a.logs() + b.logs(),
                        () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                servedBy(probe, a);
                Instant resumed = a.loggedAt("heartbeat thread stood still", unpauseCalled);
                Instant aside = a.loggedAt("failover MASTER -> BACKUP: peer lb-b took over while this node stood still",
                        unpauseCalled);
                Instant releasedA = a.loggedAt("VIPs " + pair.vip() + "/24 on eth\\d released", unpauseCalled);
                Instant back = a.loggedAt("failover BACKUP -> MASTER: preempting lower-priority master lb-b", unpauseCalled);
                assertThat(resumed).as("lb-a resumed\n" + pair.logsOfAll()).isNotNull();
                assertThat(aside).as("lb-a stepped aside\n" + pair.logsOfAll()).isNotNull();
                assertThat(releasedA).as("lb-a released the VIP\n" + pair.logsOfAll()).isNotNull();
                assertThat(back).as("lb-a preempted back\n" + pair.logsOfAll()).isNotNull().isAfter(releasedA);
                assertThat(a.loggedAt("re-announcing VIPs", unpauseCalled)).as("no announcement from the stale master "
                        + "before it stepped aside\n" + a.logs()).satisfiesAnyOf(t -> assertThat(t).isNull(),
                        t -> assertThat(t).isAfter(back));
                long both = Duration.between(resumed, releasedA).toMillis();
                long failed = probe.failedAfter(event);
                System.out.printf("FAILOVER unpause at %dms adverts (frozen %dms): lb-a resumed +%dms, stepped aside +%dms, "
                                + "released its VIP +%dms (both held it %dms), preempted back +%dms; %d probes failed%s%n",
                        advert.toMillis(), Duration.between(pausedAt, unpauseCalled).toMillis(),
                        Duration.between(unpauseCalled, resumed).toMillis(), Duration.between(unpauseCalled, aside).toMillis(),
                        Duration.between(unpauseCalled, releasedA).toMillis(), both,
                        Duration.between(unpauseCalled, back).toMillis(), failed, probe.describe(event));
                assertThat(Duration.between(resumed, aside)).as("stepped aside within one advert").isLessThan(advert);
                assertThat(failed).as("failed probes after the resume:%s\n%s", probe.describe(event), pair.logsOfAll())
                        .isLessThanOrEqualTo(PLANNED_EVENT_LOSS);
                assertThat(b.holdsVip()).isFalse();
                return failed;
            }
        }
    }

    // POST /api/v1/failover/handover on the master: the backup takes the VIPs while the master keeps
    // serving; no request fails; the old master stays BACKUP (it does not preempt back) until the new one
    // hands back the same way.
    @Test
    void plannedHandoverThroughTheAdminApi() throws Exception {
        repeat("handover through the admin API and back, advert 100ms: failed probes", "", () -> {
            try (DockerPair pair = new DockerPair(ADVERT)) {
                Node[] n = pair.startPair();
                Node a = n[0];
                Node b = n[1];
                try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                    servedBy(probe, a);
                    var refused = b.handover();
                    assertThat(refused.statusCode()).isEqualTo(409);
                    assertThat(refused.body()).contains("this node is BACKUP, not MASTER");
                    // The master decides from the peer's heartbeats: wait until they say lb-b is ready.
                    Poll.until(WAIT, "lb-a sees lb-b ready", () -> a.failover().path("peerReady").asBoolean(false));
                    long event = System.nanoTime();
                    var r = a.handover();
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(r.body()).contains("\"handedOver\" : true").contains("lb-b holds the VIPs");
                    servedBy(probe, b);
                    assertThat(a.state()).isEqualTo("BACKUP");
                    assertThat(a.failover().path("preemptHeld").asBoolean()).isTrue();
                    // lb-a has the higher priority and preempt, yet stays BACKUP while lb-b keeps heartbeating.
                    double heard = a.metric("tandem_failover_heartbeats_received_total");
                    Poll.until(WAIT, "30 more heartbeats at lb-a", () ->
                            a.metric("tandem_failover_heartbeats_received_total") >= heard + 30);
                    assertThat(a.state()).isEqualTo("BACKUP");
                    assertThat(b.state()).isEqualTo("MASTER");
                    assertThat(a.holdsVip()).isFalse();
                    var back = b.handover();
                    assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
                    assertThat(back.body()).contains("lb-a holds the VIPs");
                    servedBy(probe, a);
                    assertThat(b.state()).isEqualTo("BACKUP");
                    assertThat(a.failover().path("preemptHeld").asBoolean()).isFalse();
                    long failed = probe.failedAfter(event);
                    assertThat(failed).as("failed probes of both handovers:%s\n%s", probe.describe(event),
                            pair.logsOfAll()).isLessThanOrEqualTo(PLANNED_EVENT_LOSS);
                    return failed;
                }
            }
        });
    }

    // The readiness gate: lb-a (priority 150, preempt) starts while every backend of its pool is down (its
    // checks say so), next to a working master lb-b. (By default that alone is FAULT, track.no-backend-up;
    // with that tracking off the node is a BACKUP that is not ready, which is what this proves.) It does not
    // take the VIP; once its backend is up and it is warm, it does, without a failed request.
    @Test
    void unreadyNodeDoesNotTakeTheVipFromAWorkingMaster() throws Exception {
        try (DockerPair pair = new DockerPair(ADVERT); ServerSocket reserved = new ServerSocket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getByName(pair.prefix + ".1"), 0));
            int port = reserved.getLocalPort();
            reserved.close();
            pair.backendsA = List.of(pair.prefix + ".1:" + port);
            pair.failoverA = f -> f.set("track", "{ no-backend-up: false }");
            Node b = pair.start(2, "lb-b", 100, 1, true, pair.key);
            Poll.until(WAIT, "lb-b MASTER", () -> "MASTER".equals(b.state()));
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, b);
                Node a = pair.start(1, "lb-a", 150, 2, true, pair.key);
                Poll.until(WAIT, "lb-a BACKUP", () -> "BACKUP".equals(a.state()));
                double heard = a.metric("tandem_failover_heartbeats_received_total");
                Poll.until(WAIT, "30 heartbeats of lb-b at lb-a", () ->
                        a.metric("tandem_failover_heartbeats_received_total") >= heard + 30);
                // Failed probes count from here: a container and JVM starting on this 2-core machine can
                // starve the serving master for a moment (seen: 12 probes), which is not what the gate is about.
                long event = System.nanoTime();
                assertThat(a.state()).isEqualTo("BACKUP");
                assertThat(a.ready()).isFalse();
                assertThat(a.failover().path("notReady").asText()).isEqualTo("pool web (listener web) has no backend up");
                assertThat(b.failover().path("peerReady").asBoolean(true)).isFalse();
                assertThat(b.state()).isEqualTo("MASTER");
                // Its backend comes up: lb-a's checks see it, its warm-up runs, then it preempts.
                try (StubBackend late = new StubBackend("web-3", InetAddress.getByName(pair.prefix + ".1"), port)) {
                    Poll.until(WAIT, "lb-a MASTER, lb-b BACKUP\n" + a.logs() + b.logs(),
                            () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                    Poll.until(WAIT, "answers through lb-a", () -> probe.lastServedBy(a.ip, SERVED));
                    Instant warm = a.loggedAt("warm standby: \\d+ requests .*; warm", Instant.EPOCH);
                    Instant master = a.loggedAt("failover BACKUP -> MASTER: preempting lower-priority master lb-b",
                            Instant.EPOCH);
                    assertThat(warm).as("warmed up\n" + a.logs()).isNotNull();
                    assertThat(master).as("preempted once warm").isNotNull().isAfterOrEqualTo(warm);
                    assertThat(probe.failedAfter(event)).as("failed probes:%s\n%s", probe.describe(event),
                            pair.logsOfAll()).isLessThanOrEqualTo(PLANNED_EVENT_LOSS);
                    assertThat(late.requests.get()).isPositive();
                }
            }
        }
    }

    // Master cut off the network and reconnected: one master again within one advert of the link's return.
    @Test
    void masterDisconnectedAndReconnected() throws Exception {
        try (DockerPair pair = new DockerPair(ADVERT)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, a);
                a.disconnect();
                servedBy(probe, b);
                assertThat(b.state()).isEqualTo("MASTER");
                Instant reconnectCalled = Instant.now();
                a.reconnect();
                Instant linkBack = Instant.now();
                Poll.until(WAIT, "lb-a MASTER and lb-b BACKUP after the reconnect\n" + a.logs() + b.logs(),
                        () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                Instant stepDown = b.loggedAt("failover MASTER -> BACKUP: heard master lb-a", reconnectCalled);
                assertThat(stepDown).as("lb-b stepped down\n" + b.logs()).isNotNull();
                // Negative when the step-down came before the Docker API call returned.
                Duration twoMasters = Duration.between(linkBack, stepDown);
                System.out.println("FAILOVER reconnect: lb-b stepped down " + twoMasters.toMillis() + "ms after the link came back");
                // lb-b steps down on the first heartbeat of lb-a, which comes at most one advert after the link;
                // the bound adds the Docker API's and the scheduler's latency on a busy machine.
                assertThat(twoMasters).isLessThan(ADVERT.multipliedBy(2));
                // The client follows: lb-a puts the VIP back on its new interface and announces it.
                servedBy(probe, a);
                assertThat(a.holdsVip()).isTrue();
                assertThat(b.holdsVip()).isFalse();
            }
        }
    }

    // A node with the wrong key sends MASTER heartbeats at priority 254 to the master: dropped as bad-mac, the
    // pair does not move and the client never notices.
    @Test
    void wrongKeyNeverAffectsThePair() throws Exception {
        try (DockerPair pair = new DockerPair(ADVERT)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            double transitions = a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}");
            byte[] wrong = new byte[32];
            ThreadLocalRandom.current().nextBytes(wrong);
            Node x = pair.start(3, "lb-x", 254, 1, false, wrong);
            // The client watches while lb-x keeps sending, once lb-x's start is over (its JVM and warm-up: on
            // this 2-core machine that alone slows the neighbours' answers, and is not what this test is about).
            Poll.until(WAIT, "lb-x MASTER and warm", () -> "MASTER".equals(x.state()) && x.ready());
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                long event = System.nanoTime();
                double badBefore = a.metric("tandem_failover_heartbeats_rejected_total{reason=\"bad-mac\"}");
                assertThat(badBefore).isPositive();
                Poll.until(WAIT, "50 more bad-mac heartbeats at lb-a", () ->
                        a.metric("tandem_failover_heartbeats_rejected_total{reason=\"bad-mac\"}") >= badBefore + 50);
                servedBy(probe, a);
                assertThat(a.state()).isEqualTo("MASTER");
                assertThat(b.state()).isEqualTo("BACKUP");
                assertThat(a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}")).isEqualTo(transitions);
                assertThat(probe.outageAfter(event)).as("failed probes:%s", probe.describe(event)).isZero();
                assertThat(a.holdsVip()).isTrue();
            }
        }
    }

    // The master proxies a saturating load: no failover at all for the whole run. CI runs 20 s at the
    // default 100 ms adverts; docs/benchmarks.md's run uses -Dfailover.soakSeconds=600
    // -Dfailover.soakAdvertMillis=20.
    @Test
    void noSpuriousFailoverUnderLoad() throws Exception {
        Duration soak = Duration.ofSeconds(Integer.getInteger("failover.soakSeconds", 20));
        Duration advert = Duration.ofMillis(Integer.getInteger("failover.soakAdvertMillis", 100));
        try (DockerPair pair = new DockerPair(advert)) {
            // The image's own JVM options (G1, 20 ms pause goal), as a pair would run.
            pair.javaOpts = "-Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+AlwaysPreTouch -XX:ThreadPriorityPolicy=1";
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            double[] before = {a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}"),
                    a.metric("tandem_failover_transitions_total{to=\"MASTER\"}"),
                    b.metric("tandem_failover_transitions_total{to=\"MASTER\"}")};
            Instant started = Instant.now();
            try (LoadLoop load = new LoadLoop(URI.create("http://" + pair.vip() + ":8080/"), 16, Integer.MAX_VALUE, soak)) {
                Poll.until(soak.plusSeconds(60), "the load run's end without a failover", () -> {
                    // null: lb-b's admin port did not answer in time on the saturated machine (not a role);
                    // the transition counters below are the final word.
                    String role = b.state();
                    if (role != null && !"BACKUP".equals(role)) {
                        throw new AssertionError("spurious failover after " + Duration.between(started, Instant.now())
                                + ":\n" + pair.logsOfAll());
                    }
                    return load.finished();
                });
                String late = "tandem_failover_heartbeat_lateness_seconds";
                java.util.Map<String, Double> m = a.scrape();
                double wakes = m.getOrDefault(late + "_count", 0.0);
                java.util.function.ToLongFunction<String> laterThan = le ->
                        (long) (wakes - m.getOrDefault(late + "_bucket{le=\"" + le + "\"}", 0.0));
                double gcCount = 0;
                double gcSum = 0;
                double gcMax = 0;
                for (var e : m.entrySet()) {
                    gcCount += e.getKey().startsWith("jvm_gc_pause_seconds_count") ? e.getValue() : 0;
                    gcSum += e.getKey().startsWith("jvm_gc_pause_seconds_sum") ? e.getValue() : 0;
                    gcMax = e.getKey().startsWith("jvm_gc_pause_seconds_max") ? Math.max(gcMax, e.getValue()) : gcMax;
                }
                System.out.printf("FAILOVER soak %ds at %dms adverts: %d requests answered, %d failed; lb-a heartbeat "
                                + "thread woke %d times, later than 5ms %d, 10ms %d, 20ms %d, 50ms %d; windowed max %.1fms; "
                                + "GC pauses %d (sum %.0fms, windowed max %.1fms); stalls logged %d; %s%n",
                        soak.toSeconds(), advert.toMillis(), load.ok.get(), load.failures.size(), (long) wakes,
                        laterThan.applyAsLong("0.005"), laterThan.applyAsLong("0.01"), laterThan.applyAsLong("0.02"),
                        laterThan.applyAsLong("0.05"), m.getOrDefault(late + "_max", 0.0) * 1000,
                        (long) gcCount, gcSum * 1000, gcMax * 1000,
                        a.container.getLogs().lines().filter(l -> l.contains("stood still")).count(),
                        a.container.getLogs().lines().filter(l -> l.contains("RealtimePriority")).findFirst()
                                .orElse("(no priority line)"));
                assertThat(load.ok.get()).isPositive();
                assertThat(load.failures).as("failed requests").isEmpty();
                if (DockerPair.REALTIME_BUDGET) {
                    assertThat(a.container.getLogs()).as("lb-a's log, given %d us of real-time runtime a second",
                            DockerPair.RT_RUNTIME).contains("tandem-failover runs with real-time priority (SCHED_RR 10)");
                }
            }
            java.util.Map<String, Double> mb = b.scrape();
            String late = "tandem_failover_heartbeat_lateness_seconds";
            System.out.printf("FAILOVER soak: lb-b heartbeat thread woke %d times, later than 20ms %d, 50ms %d; "
                            + "windowed max %.1fms; its transitions:%n%s%n", mb.getOrDefault(late + "_count", 0.0).longValue(),
                    (long) (mb.getOrDefault(late + "_count", 0.0) - mb.getOrDefault(late + "_bucket{le=\"0.02\"}", 0.0)),
                    (long) (mb.getOrDefault(late + "_count", 0.0) - mb.getOrDefault(late + "_bucket{le=\"0.05\"}", 0.0)),
                    mb.getOrDefault(late + "_max", 0.0) * 1000,
                    String.join("\n", b.container.getLogs().lines()
                            .filter(l -> l.contains("failover ") || l.contains("stood still") || l.contains("VIPs")).toList()));
            assertThat(new double[] {a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}"),
                    a.metric("tandem_failover_transitions_total{to=\"MASTER\"}"),
                    b.metric("tandem_failover_transitions_total{to=\"MASTER\"}")}).containsExactly(before);
            assertThat(a.state()).isEqualTo("MASTER");
        }
    }

    // SIGTERM to the master about a second after the backup started: it hands over with priority 0 and
    // keeps serving until lb-b (ready first) holds and announced the VIP: no request fails.
    @Test
    void masterStoppedCleanly() throws Exception {
        repeat("master stopped cleanly (docker stop), advert 100ms: failed probes", "", () -> stopMaster(ADVERT));
    }

    @Test
    void masterStoppedCleanlyAt20msAdverts() throws Exception {
        repeat("master stopped cleanly (docker stop), advert 20ms: failed probes", "",
                () -> stopMaster(Duration.ofMillis(20)));
    }

    private static long stopMaster(Duration advert) throws Exception {
        try (DockerPair pair = new DockerPair(advert)) {
            Node[] n = pair.startPair();
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, n[0]);
                Instant stoppedAt = Instant.now();
                long event = System.nanoTime();
                n[0].stopCleanly();
                servedBy(probe, n[1]);
                long failed = probe.failedAfter(event);
                System.out.printf("FAILOVER clean stop at %dms adverts: backup %dms old, MASTER +%dms; %d probes failed%s%n",
                        advert.toMillis(), Duration.between(n[1].startedAt, stoppedAt).toMillis(),
                        Duration.between(stoppedAt, n[1].loggedAt("BACKUP -> MASTER", stoppedAt)).toMillis(), failed,
                        probe.describe(event));
                assertThat(n[1].loggedAt("failover BACKUP -> MASTER: peer lb-a handed over", Instant.EPOCH)).isNotNull();
                assertThat(failed).as("failed probes:%s\n%s", probe.describe(event), pair.logsOfAll())
                        .isLessThanOrEqualTo(PLANNED_EVENT_LOSS);
                return failed;
            }
        }
    }
}
