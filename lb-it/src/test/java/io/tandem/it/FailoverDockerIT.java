package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.DockerPair.Node;
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
        Duration once() throws Exception;
    }

    static List<Duration> repeat(String what, Run run) throws Exception {
        List<Duration> all = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            all.add(run.once());
        }
        List<Duration> sorted = new ArrayList<>(all);
        sorted.sort(null);
        String line = String.format("%s: runs=%d min=%dms median=%dms max=%dms all=%s", what, RUNS,
                sorted.get(0).toMillis(), sorted.get(sorted.size() / 2).toMillis(),
                sorted.get(sorted.size() - 1).toMillis(), all.stream().map(Duration::toMillis).toList());
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

    // docker kill of the master: the backup takes the VIP and the client's outage stays under 0.5 s (100 ms adverts).
    @Test
    void masterKilled() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 100ms: client outage", () -> killMaster(ADVERT,
                Duration.ofMillis(500)));
    }

    // The same at 20 ms adverts: the outage stays under 100 ms.
    @Test
    void masterKilledAt20msAdverts() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 20ms: client outage", () -> killMaster(
                Duration.ofMillis(20), Duration.ofMillis(100)));
    }

    private static Duration killMaster(Duration advert, Duration limit) throws Exception {
        try (DockerPair pair = new DockerPair(advert)) {
            Node[] n = pair.startPair();
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, n[0]);
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                n[0].kill();
                servedBy(probe, n[1]);
                Duration outage = probe.outageAfter(event);
                System.out.printf("FAILOVER kill at %dms adverts: backup MASTER +%dms, VIP configured +%dms, outage %dms%n",
                        advert.toMillis(),
                        Duration.between(killedAt, n[1].loggedAt("BACKUP -> MASTER", killedAt)).toMillis(),
                        Duration.between(killedAt, n[1].loggedAt("VIPs .* configured", killedAt)).toMillis(),
                        outage.toMillis());
                assertThat(n[1].state()).isEqualTo("MASTER");
                assertThat(n[1].loggedAt("failover BACKUP -> MASTER: no heartbeat from lb-a", Instant.EPOCH)).isNotNull();
                assertThat(outage).as("outage; failed probes:%s", probe.describe(event)).isLessThan(limit);
                return outage;
            }
        }
    }

    // Only the JVM dies, its host keeps the VIP: the backup's gratuitous ARP wins; the restarted node removes
    // the stale VIP, comes up BACKUP and preempts cleanly.
    @Test
    void jvmKilledHostStays() throws Exception {
        try (DockerPair pair = new DockerPair(ADVERT)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, a);
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                a.killJvm();
                assertThat(a.holdsVip()).as("the dead JVM's host still holds the VIP").isTrue();
                servedBy(probe, b);
                Duration outage = probe.outageAfter(event);
                long servedByBackup = System.nanoTime();
                // The entrypoint restarts Tandem after 2 s; the new JVM cleans up, waits as BACKUP, preempts.
                Poll.until(WAIT, "lb-a MASTER again and lb-b BACKUP\n" + a.logs() + b.logs(),
                        () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                Instant removed = a.loggedAt("removed VIP " + pair.vip() + "/24 from eth0: an earlier run left it", killedAt);
                Instant backup = a.loggedAt("failover INIT -> BACKUP: started", killedAt);
                Instant master = a.loggedAt("failover BACKUP -> MASTER: preempting lower-priority master lb-b", killedAt);
                assertThat(removed).as("stale VIP removed at start\n" + a.logs()).isNotNull();
                assertThat(backup).as("came up as BACKUP").isNotNull().isAfterOrEqualTo(removed);
                assertThat(master).as("preempted").isNotNull().isAfterOrEqualTo(backup);
                servedBy(probe, a);
                assertThat(b.holdsVip()).isFalse();
                assertThat(a.holdsVip()).isTrue();
                Duration preemption = probe.outageAfter(servedByBackup);
                System.out.println("FAILOVER JVM killed: outage " + outage.toMillis() + "ms; preemption outage "
                        + preemption.toMillis() + "ms" + probe.describe(servedByBackup) + "\n" + pair.logsOfAll());
                assertThat(outage).as("outage; failed probes:%s", probe.describe(event)).isLessThan(Duration.ofMillis(500));
                assertThat(preemption).as("the preemption's outage; failed probes:%s", probe.describe(servedByBackup))
                        .isLessThan(ADVERT);
            }
        }
    }

    // docker pause of the master: the backup takes over; on unpause the higher priority takes the VIP back and
    // both hold it for less than one advert interval.
    @Test
    void masterFrozenAndResumed() throws Exception {
        repeat("master frozen (docker pause) then resumed, advert 100ms: both MASTER after resume", () -> {
            try (DockerPair pair = new DockerPair(ADVERT)) {
                Node[] n = pair.startPair();
                Node a = n[0];
                Node b = n[1];
                try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                    servedBy(probe, a);
                    a.pause();
                    servedBy(probe, b);
                    // Let the backup serve for a while (100 consecutive answers, about a second).
                    Poll.until(WAIT, "100 answers through lb-b", () -> probe.lastServedBy(b.ip, 100));
                    Instant unpauseCalled = Instant.now();
                    a.unpause();
                    Instant unpauseReturned = Instant.now();
                    servedBy(probe, a);
                    // lb-a's first act after the thaw is to notice its heartbeat thread stood still.
                    Instant resumed = a.loggedAt("heartbeat thread stood still", unpauseCalled);
                    Instant stepDown = b.loggedAt("failover MASTER -> BACKUP: heard master lb-a", unpauseCalled);
                    Instant released = b.loggedAt("VIPs " + pair.vip() + "/24 on eth\\d released", unpauseCalled);
                    assertThat(resumed).as("lb-a resumed\n" + a.logs()).isNotNull();
                    assertThat(stepDown).as("lb-b stepped down\n" + b.logs()).isNotNull();
                    assertThat(released).as("lb-b released the VIP\n" + b.logs()).isNotNull();
                    Duration both = Duration.between(resumed, released);
                    System.out.printf("FAILOVER unpause: docker API call %dms; lb-a resumed +%dms; lb-b stepped down +%dms,"
                            + " released the VIP +%dms (after the call began)%n",
                            Duration.between(unpauseCalled, unpauseReturned).toMillis(),
                            Duration.between(unpauseCalled, resumed).toMillis(),
                            Duration.between(unpauseCalled, stepDown).toMillis(),
                            Duration.between(unpauseCalled, released).toMillis());
                    assertThat(both).as("both held the VIP").isLessThan(ADVERT);
                    assertThat(a.state()).isEqualTo("MASTER");
                    assertThat(b.holdsVip()).isFalse();
                    return both;
                }
            }
        });
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
                a.reconnect();
                Instant linkBack = Instant.now();
                Poll.until(WAIT, "lb-a MASTER and lb-b BACKUP after the reconnect\n" + a.logs() + b.logs(),
                        () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
                Instant stepDown = b.loggedAt("failover MASTER -> BACKUP: heard master lb-a", linkBack);
                assertThat(stepDown).isNotNull();
                Duration twoMasters = Duration.between(linkBack, stepDown);
                System.out.println("FAILOVER reconnect: lb-b stepped down " + twoMasters.toMillis() + "ms after the link came back");
                assertThat(twoMasters).isLessThanOrEqualTo(ADVERT);
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
            try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                servedBy(probe, a);
                double transitions = a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}");
                long event = System.nanoTime();
                byte[] wrong = new byte[32];
                ThreadLocalRandom.current().nextBytes(wrong);
                Node x = pair.start(3, "lb-x", 254, 1, false, wrong);
                Poll.until(WAIT, "lb-x MASTER", () -> "MASTER".equals(x.state()));
                Poll.until(WAIT, "20 bad-mac heartbeats at lb-a",
                        () -> a.metric("tandem_failover_heartbeats_rejected_total{reason=\"bad-mac\"}") >= 20);
                servedBy(probe, a);
                assertThat(a.state()).isEqualTo("MASTER");
                assertThat(b.state()).isEqualTo("BACKUP");
                assertThat(a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}")).isEqualTo(transitions);
                assertThat(probe.outageAfter(event)).as("failed probes:%s", probe.describe(event)).isZero();
                assertThat(a.holdsVip()).isTrue();
            }
        }
    }

    // SIGTERM to the master: it hands over with priority 0, keeps serving until lb-b holds the VIP: outage < 20 ms.
    @Test
    void masterStoppedCleanly() throws Exception {
        repeat("master stopped cleanly (docker stop), advert 100ms: client outage", () -> {
            try (DockerPair pair = new DockerPair(ADVERT)) {
                Node[] n = pair.startPair();
                try (VipProbe probe = VipProbe.start(pair.vipAddress(), PROBE_LIMIT)) {
                    servedBy(probe, n[0]);
                    long event = System.nanoTime();
                    n[0].stopCleanly();
                    servedBy(probe, n[1]);
                    Duration outage = probe.outageAfter(event);
                    assertThat(n[1].loggedAt("failover BACKUP -> MASTER: peer lb-a handed over", Instant.EPOCH)).isNotNull();
                    assertThat(outage).as("outage; failed probes:%s", probe.describe(event)).isLessThan(Duration.ofMillis(20));
                    return outage;
                }
            }
        });
    }
}
