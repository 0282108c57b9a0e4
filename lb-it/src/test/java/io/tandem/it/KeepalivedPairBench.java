package io.tandem.it;

import io.tandem.it.DockerPair.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The events of {@link FailoverDockerIT}, measured the same way (the same {@link VipProbe}: a GET every 10 ms on
 * a fresh connection, failed without a 200 within 200 ms; the same definitions), on the comparison pair of
 * {@link KeepalivedPair}: keepalived 2.2.7 + HAProxy 2.6 with the plain configuration an operator writes (one
 * vrrp_instance, VRRPv3 unicast, preemption on, no track_script), at advert_int 0.1 and 0.02.
 *
 * <p>A benchmark, not a test: its name ends neither in IT nor in Test, so CI never runs it. Once, the image:
 * {@code bench/keepalived/build-image.sh}; then
 * {@code ./mvnw -B verify -pl lb-it -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=KeepalivedPairBench [-Dfailover.runs=5]}. Each scenario runs {@code failover.runs} times with a fresh
 * pair; the min/median/max lines start with {@code KEEPALIVED} and go to lb-it/target/failover/keepalived.txt
 * (with the detail line of every run). It asserts only that each event ran its course (the takeover and, where
 * there is one, the way back), not how well.
 *
 * <p>The restart event kills only keepalived ({@code pkill -9 -x keepalived}: its parent and VRRP child) in
 * lb-a's container, as Tandem's kills only its JVM: HAProxy and the VIP on lb-a stay; the entrypoint starts
 * keepalived again 2 s later (Tandem's image restarts the JVM after 2 s too), and it preempts back.
 */
class KeepalivedPairBench {

    static final int RUNS = Integer.getInteger("failover.runs", 1);
    static final Duration PROBE_LIMIT = Duration.ofSeconds(90);
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Consecutive successful probes (about 200 ms of traffic) that show who serves the VIP. */
    static final int SERVED = 20;
    static final Duration ADVERT = Duration.ofMillis(100);
    static final Duration ADVERT_20 = Duration.ofMillis(20);

    @BeforeAll
    static void docker() {
        // lb-it's second failsafe execution (epoll) honours -Dit.test too: measure once, not twice.
        Assumptions.assumeFalse("epoll".equals(System.getProperty("it.transport")), "measured in the default execution");
        KeepalivedPair.requireImage();
    }

    interface Run {
        long once() throws Exception;
    }

    static void repeat(String what, String unit, Run run) throws Exception {
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            all.add(run.once());
        }
        List<Long> sorted = new ArrayList<>(all);
        sorted.sort(null);
        String line = String.format("%s: runs=%d min=%d%s median=%d%s max=%d%s all=%s", what, RUNS,
                sorted.get(0), unit, sorted.get(sorted.size() / 2), unit, sorted.get(sorted.size() - 1), unit, all);
        System.out.println("KEEPALIVED " + line);
        KeepalivedPair.writeReport("KEEPALIVED " + line);
    }

    static void detail(String format, Object... args) throws Exception {
        String line = "KEEPALIVED " + String.format(format, args);
        System.out.println(line);
        KeepalivedPair.writeReport("  " + line);
    }

    static void servedBy(KeepalivedPair pair, VipProbe probe, Node node) {
        try {
            Poll.until(WAIT, "the VIP served through " + node.name + " (" + node.ip + ")",
                    () -> probe.lastServedBy(node.ip, SERVED));
        } catch (AssertionError e) {
            List<VipProbe.Result> all = probe.results();
            throw new AssertionError(e.getMessage() + "\nlast probes: " + all.subList(Math.max(0, all.size() - 5),
                    all.size()) + "\n" + pair.logsOfAll(), e);
        }
    }

    static String ms(Instant from, Instant to) {
        return to == null ? "never" : "+" + Duration.between(from, to).toMillis() + "ms";
    }

    // docker kill of the master: the time from the kill to the client's first answer after its last failed probe.
    @Test
    void masterKilled() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 100ms: served again after the kill", "ms",
                () -> killMaster(ADVERT));
    }

    @Test
    void masterKilledAt20msAdverts() throws Exception {
        repeat("master SIGKILLed (docker kill), advert 20ms: served again after the kill", "ms",
                () -> killMaster(ADVERT_20));
    }

    private static long killMaster(Duration advert) throws Exception {
        try (KeepalivedPair pair = new KeepalivedPair(advert)) {
            Node[] n = pair.startPair();
            try (VipProbe probe = VipProbe.start(pair.net.vipAddress(), PROBE_LIMIT)) {
                servedBy(pair, probe, n[0]);
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                n[0].kill();
                servedBy(pair, probe, n[1]);
                Instant master = KeepalivedPair.loggedAt(n[1], "\\(VI_1\\) Entering MASTER STATE", killedAt);
                Instant vipUp = pair.vipAdded(n[1], killedAt);
                Instant served = probe.servedAgainAfter(event);
                long afterKill = served == null ? 0 : Duration.between(killedAt, served).toMillis();
                detail("kill at %dms adverts: backup %dms old, lb-b MASTER %s, VIP added %s, served again %s "
                                + "(master-down interval %dms), %d probes failed%s",
                        advert.toMillis(), Duration.between(n[1].startedAt, killedAt).toMillis(), ms(killedAt, master),
                        ms(killedAt, vipUp), ms(killedAt, served), FailoverDockerIT.masterDown(advert).toMillis(),
                        probe.failedAfter(event), probe.describe(event));
                if (master == null) {
                    throw new AssertionError("lb-b never logged MASTER\n" + pair.logsOfAll());
                }
                return afterKill;
            }
        }
    }

    // docker stop of the master (SIGTERM: keepalived sends priority 0 and removes the VIP, then HAProxy
    // soft-stops): the probes that failed.
    @Test
    void masterStoppedCleanly() throws Exception {
        repeat("master stopped cleanly (docker stop), advert 100ms: failed probes", "", () -> stopMaster(ADVERT));
    }

    @Test
    void masterStoppedCleanlyAt20msAdverts() throws Exception {
        repeat("master stopped cleanly (docker stop), advert 20ms: failed probes", "", () -> stopMaster(ADVERT_20));
    }

    private static long stopMaster(Duration advert) throws Exception {
        try (KeepalivedPair pair = new KeepalivedPair(advert)) {
            Node[] n = pair.startPair();
            try (VipProbe probe = VipProbe.start(pair.net.vipAddress(), PROBE_LIMIT)) {
                servedBy(pair, probe, n[0]);
                Instant stoppedAt = Instant.now();
                long event = System.nanoTime();
                n[0].stopCleanly();
                Instant stopReturned = Instant.now();
                servedBy(pair, probe, n[1]);
                long failed = probe.failedAfter(event);
                Instant aDeleted = pair.vipDeleted(n[0], stoppedAt);
                detail("clean stop at %dms adverts: backup %dms old, lb-a removed its VIP %s, lb-b MASTER %s, "
                                + "VIP added %s, docker stop returned %s; %d probes failed%s",
                        advert.toMillis(), Duration.between(n[1].startedAt, stoppedAt).toMillis(),
                        ms(stoppedAt, aDeleted),
                        ms(stoppedAt, KeepalivedPair.loggedAt(n[1], "\\(VI_1\\) Entering MASTER STATE", stoppedAt)),
                        ms(stoppedAt, pair.vipAdded(n[1], stoppedAt)), ms(stoppedAt, stopReturned), failed,
                        probe.describe(event));
                return failed;
            }
        }
    }

    // Only keepalived dies (pkill -9), lb-a keeps the VIP and HAProxy; lb-b takes over; the entrypoint starts
    // keepalived again after 2 s and lb-a (150) preempts back: the failed probes from the moment the client was
    // served through lb-b (as Tandem's), and, separately, those of the takeover.
    @Test
    void restartedMasterPreempts() throws Exception {
        repeat("master's keepalived SIGKILLed and restarted, preempts back, advert 100ms: failed probes", "",
                () -> preemptBack(ADVERT));
    }

    @Test
    void restartedMasterPreemptsAt20msAdverts() throws Exception {
        repeat("master's keepalived SIGKILLed and restarted, preempts back, advert 20ms: failed probes", "",
                () -> preemptBack(ADVERT_20));
    }

    private static long preemptBack(Duration advert) throws Exception {
        try (KeepalivedPair pair = new KeepalivedPair(advert)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.net.vipAddress(), PROBE_LIMIT)) {
                servedBy(pair, probe, a);
                Instant killedAt = Instant.now();
                long event = System.nanoTime();
                var r = a.container.execInContainer("pkill", "-9", "-x", "keepalived");
                if (r.getExitCode() != 0) {
                    throw new AssertionError("pkill -9 -x keepalived in lb-a failed: " + r.getStderr());
                }
                boolean staleVip = a.holdsVip();
                servedBy(pair, probe, b);
                long servedByBackup = System.nanoTime();
                long failedTakeover = probe.failedAfter(event);
                Poll.until(WAIT, "lb-a's keepalived restarted",
                        () -> KeepalivedPair.loggedAt(a, "entrypoint: keepalived exited", killedAt) != null);
                Instant restarted = KeepalivedPair.loggedAt(a, "entrypoint: keepalived exited", killedAt);
                Poll.until(WAIT, "lb-a MASTER again and lb-b BACKUP",
                        () -> KeepalivedPair.loggedAt(a, "\\(VI_1\\) Entering MASTER STATE", restarted) != null
                                && KeepalivedPair.loggedAt(b, "\\(VI_1\\) Entering BACKUP STATE", restarted) != null
                                && "MASTER".equals(KeepalivedPair.state(a)) && "BACKUP".equals(KeepalivedPair.state(b)));
                servedBy(pair, probe, a);
                long failed = probe.failedAfter(servedByBackup);
                detail("preempt back at %dms adverts: after the kill lb-a %s the VIP, lb-b MASTER %s, VIP added %s, "
                                + "%d probes failed in the takeover%s; lb-a's keepalived exited %s (started again 2 s later), removed the stale VIP %s, "
                                + "BACKUP %s, MASTER %s, VIP added %s; lb-b BACKUP %s, VIP deleted %s; %d probes failed%s",
                        advert.toMillis(), staleVip ? "still held" : "no longer held",
                        ms(killedAt, KeepalivedPair.loggedAt(b, "\\(VI_1\\) Entering MASTER STATE", killedAt)),
                        ms(killedAt, pair.vipAdded(b, killedAt)), failedTakeover, probe.describe(event).lines()
                                .filter(l -> !l.isEmpty()).limit(failedTakeover).map(l -> "\n" + l)
                                .collect(java.util.stream.Collectors.joining()),
                        ms(killedAt, restarted), ms(killedAt, pair.vipDeleted(a, killedAt)),
                        ms(killedAt, KeepalivedPair.loggedAt(a, "\\(VI_1\\) Entering BACKUP STATE", restarted)),
                        ms(killedAt, KeepalivedPair.loggedAt(a, "\\(VI_1\\) Entering MASTER STATE", restarted)),
                        ms(killedAt, pair.vipAdded(a, restarted)),
                        ms(killedAt, KeepalivedPair.loggedAt(b, "\\(VI_1\\) Entering BACKUP STATE", restarted)),
                        ms(killedAt, pair.vipDeleted(b, restarted)), failed, probe.describe(servedByBackup));
                return failed;
            }
        }
    }

    // docker pause of the master for about 3 s (the takeover, then 250 answers through lb-b), then unpause: the
    // probes that failed after the resume, and how long both held the VIP (lb-a from its resume, which keeps the
    // VIP it had when frozen, until lb-b deleted its copy).
    @Test
    void frozenMasterResumed() throws Exception {
        repeat("master frozen 3s (docker pause) then resumed, advert 100ms: failed probes after the resume", "",
                () -> freezeMaster(ADVERT));
    }

    @Test
    void frozenMasterResumedAt20msAdverts() throws Exception {
        repeat("master frozen 3s (docker pause) then resumed, advert 20ms: failed probes after the resume", "",
                () -> freezeMaster(ADVERT_20));
    }

    private static long freezeMaster(Duration advert) throws Exception {
        try (KeepalivedPair pair = new KeepalivedPair(advert)) {
            Node[] n = pair.startPair();
            Node a = n[0];
            Node b = n[1];
            try (VipProbe probe = VipProbe.start(pair.net.vipAddress(), PROBE_LIMIT)) {
                servedBy(pair, probe, a);
                Instant pausedAt = Instant.now();
                pause(a);
                servedBy(pair, probe, b);
                Poll.until(WAIT, "250 answers through lb-b", () -> probe.lastServedBy(b.ip, 250));
                long event = System.nanoTime();
                Instant unpauseCalled = Instant.now();
                a.unpause();
                Poll.until(WAIT, "lb-a MASTER and lb-b BACKUP again",
                        () -> KeepalivedPair.loggedAt(b, "\\(VI_1\\) Entering BACKUP STATE", unpauseCalled) != null
                                && "MASTER".equals(KeepalivedPair.state(a)) && "BACKUP".equals(KeepalivedPair.state(b)));
                servedBy(pair, probe, a);
                Instant resumed = KeepalivedPair.lineAt(a, "", unpauseCalled);
                Instant aDeleted = pair.vipDeleted(a, pausedAt);
                Instant bDeleted = pair.vipDeleted(b, unpauseCalled);
                Instant aBackup = KeepalivedPair.loggedAt(a, "\\(VI_1\\) Entering BACKUP STATE", unpauseCalled);
                long failed = probe.failedAfter(event);
                String both = aDeleted != null || bDeleted == null ? "n/a"
                        : Duration.between(resumed != null && resumed.isBefore(bDeleted) ? resumed : unpauseCalled,
                                bDeleted).toMillis() + "ms";
                detail("unpause at %dms adverts (frozen %dms): lb-a's first line %s (%s), lb-a BACKUP %s, lb-a deleted "
                                + "its VIP %s, lb-b BACKUP %s, lb-b deleted its VIP %s (both held it %s from lb-a's first "
                                + "line); %d probes failed%s",
                        advert.toMillis(), Duration.between(pausedAt, unpauseCalled).toMillis(), ms(unpauseCalled, resumed),
                        resumed == null ? "" : firstLine(a, resumed), ms(unpauseCalled, aBackup),
                        aDeleted == null ? "never" : ms(unpauseCalled, aDeleted),
                        ms(unpauseCalled, KeepalivedPair.loggedAt(b, "\\(VI_1\\) Entering BACKUP STATE", unpauseCalled)),
                        ms(unpauseCalled, bDeleted), both, failed, probe.describe(event));
                return failed;
            }
        }
    }

    /**
     * docker pause, tried up to 3 times: on this busy machine runc's cgroup-v1 freezer once failed ("unable to
     * freeze"); runc thaws the container when it fails, so the pair is as it was.
     */
    private static void pause(Node n) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                n.pause();
                return;
            } catch (com.github.dockerjava.api.exception.DockerException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.out.println("KEEPALIVED docker pause of " + n.name + " failed (" + e.getMessage().strip()
                        + "); trying again");
                Thread.sleep(100);
            }
        }
    }

    /** The text of the line {@code n} logged at {@code at}. */
    private static String firstLine(Node n, Instant at) {
        return KeepalivedPair.logs(n).lines().filter(l -> l.indexOf(' ') > 0 && sameTime(l, at))
                .findFirst().map(l -> l.substring(l.indexOf(' ') + 1)).orElse("?");
    }

    private static boolean sameTime(String line, Instant at) {
        try {
            return Instant.parse(line.substring(0, line.indexOf(' '))).equals(at);
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }
}
