package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.DockerPair.Node;
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

    // The same at 20 ms adverts: the outage stays under 150 ms here. The target is 100 ms (met by the median
    // in docs/benchmarks.md); the bound leaves room for a shared 2-core machine's scheduling delays.
    @Test
    void masterKilledAt20msAdverts() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 20ms: client outage", () -> killMaster(
                Duration.ofMillis(20), Duration.ofMillis(150)));
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
            // Time for the restarted lb-a to warm up (as its health checks would) before it takes the VIP back.
            pair.preemptDelayA = Duration.ofSeconds(3);
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
                Poll.until(WAIT, "lb-a restarted as BACKUP", () -> "BACKUP".equals(a.state()));
                a.warmUp();
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
            Poll.until(WAIT, "lb-x MASTER", () -> "MASTER".equals(x.state()));
            // The client watches while lb-x keeps sending (its container start is over: on a busy machine
            // that alone slows answers).
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
                    if (!"BACKUP".equals(b.state())) {
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
            }
            assertThat(new double[] {a.metric("tandem_failover_transitions_total{to=\"BACKUP\"}"),
                    a.metric("tandem_failover_transitions_total{to=\"MASTER\"}"),
                    b.metric("tandem_failover_transitions_total{to=\"MASTER\"}")}).containsExactly(before);
            assertThat(a.state()).isEqualTo("MASTER");
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
