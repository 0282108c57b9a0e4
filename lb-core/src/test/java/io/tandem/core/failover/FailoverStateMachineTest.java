package io.tandem.core.failover;

import static io.tandem.core.failover.FailoverState.BACKUP;
import static io.tandem.core.failover.FailoverState.FAULT;
import static io.tandem.core.failover.FailoverState.INIT;
import static io.tandem.core.failover.FailoverState.MASTER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.failover.FailoverStateMachine.Outcome;
import io.tandem.core.failover.FailoverStateMachine.Send;
import io.tandem.core.failover.FailoverStateMachine.Transition;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverStateMachineTest {

    static final long MS = 1_000_000L;
    static final Duration ADVERT = Duration.ofMillis(100);
    /** 3 x 100ms + (256 - 150) x 100ms / 256 = 341.40625ms for priority 150. */
    static final long DOWN_150 = 300 * MS + 106 * 100 * MS / 256;
    static final long DOWN_100 = 300 * MS + 156 * 100 * MS / 256;

    static FailoverStateMachine machine(String node, int priority, boolean preempt, Duration preemptDelay) {
        return new FailoverStateMachine(node, priority, ADVERT, preempt, preemptDelay);
    }

    static FailoverStateMachine started(String node, int priority) {
        FailoverStateMachine m = machine(node, priority, true, Duration.ZERO);
        m.start(0);
        return m;
    }

    static Heartbeat hb(String node, int priority, FailoverState state) {
        return new Heartbeat(1, node, priority, 100, state, state == MASTER, 1, 1);
    }

    static FailoverStateMachine master(String node, int priority, long now) {
        FailoverStateMachine m = started(node, priority);
        Outcome o = m.onTick(now);
        assertThat(o.transition().to()).isEqualTo(MASTER);
        return m;
    }

    // INIT -> BACKUP at start, with a heartbeat and the RFC's master-down interval as the next deadline.
    @Test
    void startsAsBackupWithTheMasterDownTimer() {
        FailoverStateMachine m = machine("a", 150, true, Duration.ZERO);
        Outcome o = m.start(0);
        assertThat(o.transition()).isEqualTo(new Transition(INIT, BACKUP, "started; waiting 341ms for a master"));
        assertThat(o.send()).isEqualTo(Send.HEARTBEAT);
        assertThat(m.masterDownNanos()).isEqualTo(DOWN_150);
        assertThat(m.skewNanos()).isEqualTo(106 * 100 * MS / 256);
        assertThat(m.nextDeadline()).isEqualTo(100 * MS);
    }

    // BACKUP -> MASTER exactly when the master-down interval runs out, not a nanosecond before.
    @Test
    void backupBecomesMasterWhenTheMasterDownTimerExpires() {
        FailoverStateMachine m = started("a", 150);
        assertThat(m.onTick(DOWN_150 - 1).transition()).isNull();
        assertThat(m.state()).isEqualTo(BACKUP);
        Outcome o = m.onTick(DOWN_150);
        assertThat(o.transition()).isEqualTo(new Transition(BACKUP, MASTER, "no heartbeat from a master for 341ms"));
        assertThat(o.send()).isEqualTo(Send.HEARTBEAT);
    }

    // A lower priority waits longer (bigger skew), so the better backup wins a simultaneous start.
    @Test
    void lowerPriorityHasTheLongerMasterDownInterval() {
        assertThat(started("b", 100).masterDownNanos()).isEqualTo(DOWN_100).isGreaterThan(DOWN_150);
    }

    // Heartbeats of a higher-priority master keep a backup a backup; the timer restarts on each.
    @Test
    void higherMasterHeartbeatsKeepTheBackup() {
        FailoverStateMachine m = started("b", 100);
        for (long t = 90 * MS; t < 3000 * MS; t += 100 * MS) {
            assertThat(m.onHeartbeat(hb("a", 150, MASTER), t)).isEqualTo(Outcome.NONE);
            assertThat(m.onTick(t + 1).transition()).isNull();
        }
        assertThat(m.state()).isEqualTo(BACKUP);
        assertThat(m.masterNode()).isEqualTo("a");
        assertThat(m.onTick(2990 * MS + DOWN_100).transition().to()).isEqualTo(MASTER);
    }

    // BACKUP heartbeats of the peer do not feed the master-down timer.
    @Test
    void backupHeartbeatsDoNotFeedTheTimer() {
        FailoverStateMachine m = started("b", 100);
        m.onHeartbeat(hb("a", 150, BACKUP), 200 * MS);
        assertThat(m.onTick(DOWN_100).transition()).isEqualTo(
                new Transition(BACKUP, MASTER, "no heartbeat from a master for 360ms"));
    }

    // The backup's timer follows the interval the master advertises (RFC's Master_Adver_Interval).
    @Test
    void backupLearnsTheMastersInterval() {
        FailoverStateMachine m = started("b", 100);
        m.onHeartbeat(new Heartbeat(1, "a", 150, 1000, MASTER, true, 1, 1), 0);
        assertThat(m.masterDownNanos()).isEqualTo(3000 * MS + 156 * 1000 * MS / 256);
        assertThat(m.onTick(DOWN_100).transition()).isNull();
    }

    // preempt: a higher-priority backup that hears a lower master takes over on that heartbeat.
    @Test
    void preemptTakesOverFromALowerMaster() {
        FailoverStateMachine m = started("a", 150);
        Outcome o = m.onHeartbeat(hb("b", 100, MASTER), 50 * MS);
        assertThat(o.transition()).isEqualTo(
                new Transition(BACKUP, MASTER, "preempting lower-priority master b (100 < 150)"));
        assertThat(o.send()).isEqualTo(Send.HEARTBEAT);
    }

    // preempt: false: a higher-priority backup leaves a lower master alone.
    @Test
    void withoutPreemptTheLowerMasterStays() {
        FailoverStateMachine m = machine("a", 150, false, Duration.ZERO);
        m.start(0);
        for (long t = 0; t < 5000 * MS; t += 100 * MS) {
            assertThat(m.onHeartbeat(hb("b", 100, MASTER), t)).isEqualTo(Outcome.NONE);
            assertThat(m.onTick(t + 1).transition()).isNull();
        }
        assertThat(m.state()).isEqualTo(BACKUP);
    }

    // preempt-delay: the lower master keeps the VIP for the delay, then the first heartbeat after it preempts.
    @Test
    void preemptDelayPostponesThePreemption() {
        FailoverStateMachine m = machine("a", 150, true, Duration.ofSeconds(2));
        m.start(0);
        for (long t = 100 * MS; t < 2100 * MS; t += 100 * MS) {
            assertThat(m.onHeartbeat(hb("b", 100, MASTER), t).transition()).isNull();
            assertThat(m.onTick(t + 1).transition()).isNull();
        }
        Outcome o = m.onHeartbeat(hb("b", 100, MASTER), 2100 * MS);
        assertThat(o.transition()).isEqualTo(
                new Transition(BACKUP, MASTER, "preempting lower-priority master b (100 < 150)"));
    }

    // preempt-delay does not delay a real failure: a silent master is replaced after the master-down interval.
    @Test
    void preemptDelayDoesNotDelayAFailover() {
        FailoverStateMachine m = machine("a", 150, true, Duration.ofSeconds(60));
        m.start(0);
        m.onHeartbeat(hb("b", 100, MASTER), 100 * MS);
        assertThat(m.onTick(100 * MS + DOWN_150).transition().to()).isEqualTo(MASTER);
    }

    // MASTER -> BACKUP on a heartbeat of a higher-priority master.
    @Test
    void masterStepsDownForAHigherMaster() {
        FailoverStateMachine m = master("b", 100, DOWN_100);
        Outcome o = m.onHeartbeat(hb("a", 150, MASTER), DOWN_100 + 10 * MS);
        assertThat(o.transition()).isEqualTo(
                new Transition(MASTER, BACKUP, "heard master a with higher priority 150 > 100", true));
        assertThat(m.masterNode()).isEqualTo("a");
    }

    // A master hearing a lower master stays, answers at once and re-announces its VIPs at most once a second.
    @Test
    void masterHearingALowerMasterReannounces() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        long t = DOWN_150 + 10 * MS;
        assertThat(m.onHeartbeat(hb("b", 100, MASTER), t)).isEqualTo(new Outcome(null, Send.HEARTBEAT, true));
        tickEvery100ms(m, t, t + 500 * MS);
        assertThat(m.onHeartbeat(hb("b", 100, MASTER), t + 500 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        tickEvery100ms(m, t + 500 * MS, t + 1000 * MS);
        assertThat(m.onHeartbeat(hb("b", 100, MASTER), t + 1000 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, true));
        assertThat(m.state()).isEqualTo(MASTER);
    }

    // Equal priorities: the greater node name wins, seen from both sides.
    @Test
    void tiesGoToTheGreaterNodeName() {
        FailoverStateMachine low = master("lb-a", 100, DOWN_100);
        assertThat(low.onHeartbeat(hb("lb-b", 100, MASTER), DOWN_100 + MS).transition()).isEqualTo(
                new Transition(MASTER, BACKUP, "heard master lb-b with equal priority and greater name", true));
        FailoverStateMachine high = master("lb-b", 100, DOWN_100);
        assertThat(high.onHeartbeat(hb("lb-a", 100, MASTER), DOWN_100 + MS)).isEqualTo(
                new Outcome(null, Send.HEARTBEAT, true));
        FailoverStateMachine backup = started("lb-a", 100);
        assertThat(backup.onHeartbeat(hb("lb-b", 100, MASTER), MS)).isEqualTo(Outcome.NONE);
        assertThat(started("lb-b", 100).onHeartbeat(hb("lb-a", 100, MASTER), MS).transition().to()).isEqualTo(MASTER);
    }

    // A handover (priority 0) makes the backup MASTER on that heartbeat, without waiting a skew.
    @Test
    void handoverMakesTheBackupMasterAtOnce() {
        FailoverStateMachine m = started("b", 100);
        m.onHeartbeat(hb("a", 150, MASTER), 10 * MS);
        Outcome o = m.onHeartbeat(new Heartbeat(1, "a", 0, 100, INIT, true, 1, 2), 20 * MS);
        assertThat(o.transition()).isEqualTo(new Transition(BACKUP, MASTER, "peer a handed over (priority 0)"));
        assertThat(o.send()).isEqualTo(Send.HEARTBEAT);
    }

    // A master hearing priority 0 answers with a heartbeat at once and stays (RFC 5798 6.4.3).
    @Test
    void masterAnswersAHandover() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        assertThat(m.onHeartbeat(hb("b", 0, INIT), DOWN_150 + MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        assertThat(m.state()).isEqualTo(MASTER);
    }

    // A clean stop: MASTER -> INIT with a handover heartbeat; a BACKUP stops silently.
    @Test
    void shutdownHandsOverOnlyFromMaster() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        assertThat(m.shutdown(DOWN_150 + MS)).isEqualTo(
                new Outcome(new Transition(MASTER, INIT, "shutting down"), Send.HANDOVER, false));
        FailoverStateMachine b = started("b", 100);
        assertThat(b.shutdown(MS)).isEqualTo(new Outcome(new Transition(BACKUP, INIT, "shutting down"), Send.NONE, false));
        assertThat(b.onTick(10_000 * MS)).isEqualTo(Outcome.NONE);
    }

    // Tracking: MASTER -> FAULT hands over; FAULT never becomes MASTER; recovery -> BACKUP with a fresh timer.
    @Test
    void trackingDemotesAndRecovers() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        long t = DOWN_150 + MS;
        assertThat(m.onTracking("no backend up in any pool", t)).isEqualTo(new Outcome(
                new Transition(MASTER, FAULT, "no backend up in any pool"), Send.HANDOVER, false));
        assertThat(m.onTracking("no backend up in any pool", t + MS)).isEqualTo(Outcome.NONE);
        assertThat(m.onTick(t + 10_000 * MS).transition()).isNull();
        assertThat(m.onHeartbeat(hb("b", 0, INIT), t + 10_001 * MS)).isEqualTo(Outcome.NONE);
        assertThat(m.state()).isEqualTo(FAULT);
        long r = t + 20_000 * MS;
        assertThat(m.onTracking(null, r).transition()).isEqualTo(
                new Transition(FAULT, BACKUP, "recovered from: no backend up in any pool"));
        assertThat(m.onTick(r).transition()).isNull(); // the heartbeat thread's tick of the same wake-up
        assertThat(m.onTick(r + DOWN_150 - 1).transition()).isNull();
        assertThat(m.onTick(r + DOWN_150).transition().to()).isEqualTo(MASTER);
    }

    // BACKUP -> FAULT on tracking, with an ordinary heartbeat (nothing to hand over); start while faulty -> FAULT.
    @Test
    void backupAndStartGoToFault() {
        FailoverStateMachine b = started("b", 100);
        assertThat(b.onTracking("listener web failed", MS)).isEqualTo(new Outcome(
                new Transition(BACKUP, FAULT, "listener web failed"), Send.HEARTBEAT, false));
        FailoverStateMachine s = machine("c", 100, true, Duration.ZERO);
        s.onTracking("listener web failed", 0);
        assertThat(s.start(0).transition()).isEqualTo(new Transition(INIT, FAULT, "started; listener web failed"));
    }

    // Every state sends a heartbeat each advert interval; ticks in between send nothing.
    @Test
    void heartbeatsFollowTheInterval() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        assertThat(m.nextDeadline()).isEqualTo(DOWN_150 + 100 * MS);
        assertThat(m.onTick(DOWN_150 + 50 * MS)).isEqualTo(Outcome.NONE);
        assertThat(m.onTick(DOWN_150 + 100 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        assertThat(m.nextDeadline()).isEqualTo(DOWN_150 + 200 * MS);
    }

    // A master whose thread stood still longer than the master-down interval first listens one advert
    // interval, silently; when no peer claimed the VIPs meanwhile it speaks again and re-announces them.
    @Test
    void frozenMasterListensOneAdvertThenReannounces() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        long resumed = DOWN_150 + 3000 * MS;
        assertThat(m.onTick(resumed)).isEqualTo(Outcome.NONE);
        assertThat(m.nextDeadline()).isEqualTo(resumed + 100 * MS);
        assertThat(m.onTick(resumed + 99 * MS)).isEqualTo(Outcome.NONE);
        assertThat(m.onTick(resumed + 100 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, true));
        assertThat(m.state()).isEqualTo(MASTER);
        assertThat(m.onTick(resumed + 200 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
    }

    // The peer took over while this master stood still: the resumed master steps aside on the first MASTER
    // heartbeat it reads (those queued during the freeze come first), at once and without announcing anything.
    @Test
    void resumedMasterStepsAsideForThePeerThatTookOver() {
        FailoverStateMachine a = master("a", 150, DOWN_150);
        long resumed = DOWN_150 + 3000 * MS;
        assertThat(a.onHeartbeat(hb("b", 100, BACKUP), resumed)).isEqualTo(Outcome.NONE);
        Outcome o = a.onHeartbeat(hb("b", 100, MASTER), resumed);
        assertThat(o).isEqualTo(new Outcome(new Transition(MASTER, BACKUP,
                "peer b took over while this node stood still for 3000ms", false), Send.HEARTBEAT, false));
        assertThat(a.masterNode()).isEqualTo("b");
        // More heartbeats queued during the freeze do not make it preempt at once: it settles first (its
        // checks and warm-up see whether what it knew still holds), then takes the VIPs back the planned way.
        long settled = resumed + FailoverStateMachine.RESUME_SETTLE_NANOS;
        for (long t = resumed; t < settled; t += 100 * MS) {
            assertThat(a.onHeartbeat(hb("b", 100, MASTER), t)).isEqualTo(Outcome.NONE);
            assertThat(a.onTick(t + MS).transition()).isNull();
        }
        assertThat(a.onHeartbeat(hb("b", 100, MASTER), settled).transition())
                .isEqualTo(new Transition(BACKUP, MASTER, "preempting lower-priority master b (100 < 150)"));
    }

    // A resumed master that hears the peer only as BACKUP keeps the VIPs and re-announces after listening.
    @Test
    void resumedMasterKeepsTheVipsWhenThePeerDidNotTakeOver() {
        FailoverStateMachine a = master("a", 150, DOWN_150);
        long resumed = DOWN_150 + 3000 * MS;
        assertThat(a.onHeartbeat(hb("b", 100, BACKUP), resumed)).isEqualTo(Outcome.NONE);
        assertThat(a.onTick(resumed + 100 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, true));
        assertThat(a.state()).isEqualTo(MASTER);
    }

    // Not ready (cold data path, no live backend): a higher-priority backup does not preempt a working
    // master; once ready it preempts on the master's next heartbeat.
    @Test
    void unreadyBackupDoesNotPreempt() {
        FailoverStateMachine a = started("a", 150);
        a.onReadiness("warming up: 10 of 1500 requests", 0);
        for (long t = 50 * MS; t < 2000 * MS; t += 100 * MS) {
            assertThat(a.onHeartbeat(hb("b", 100, MASTER), t)).isEqualTo(Outcome.NONE);
            assertThat(a.onTick(t + MS).transition()).isNull();
        }
        assertThat(a.state()).isEqualTo(BACKUP);
        assertThat(a.onReadiness(null, 2000 * MS)).isEqualTo(Outcome.NONE);
        assertThat(a.onHeartbeat(hb("b", 100, MASTER), 2050 * MS).transition())
                .isEqualTo(new Transition(BACKUP, MASTER, "preempting lower-priority master b (100 < 150)"));
    }

    // A backup whose own thread stood still (a safepoint, a starved host) did not watch the master meanwhile:
    // it listens one more interval before it declares the master dead, and a heartbeat in that interval
    // keeps it BACKUP. A master that is really gone is replaced one interval later.
    @Test
    void stalledBackupListensOneMoreIntervalBeforeItTakesOver() {
        FailoverStateMachine b = started("b", 100);
        b.onHeartbeat(hb("a", 150, MASTER), 50 * MS);
        assertThat(b.onTick(60 * MS).transition()).isNull();
        // Its thread stands still longer than the master-down interval, past the master's deadline.
        long woke = 60 * MS + 195 * MS + DOWN_100;
        assertThat(b.onTick(woke).transition()).isNull();
        assertThat(b.nextDeadline()).isLessThanOrEqualTo(woke + 100 * MS);
        assertThat(b.onHeartbeat(hb("a", 150, MASTER), woke + 6 * MS)).isEqualTo(Outcome.NONE);
        assertThat(b.onTick(woke + 100 * MS).transition()).isNull();
        assertThat(b.state()).isEqualTo(BACKUP);
        // Without that heartbeat the takeover comes one interval after it woke.
        FailoverStateMachine c = started("c", 100);
        c.onHeartbeat(hb("a", 150, MASTER), 50 * MS);
        c.onTick(60 * MS);
        assertThat(c.onTick(woke).transition()).isNull();
        assertThat(c.onTick(woke + 100 * MS).transition())
                .isEqualTo(new Transition(BACKUP, MASTER, "no heartbeat from a for 360ms"));
    }

    // Not ready does not stop a takeover when no master is heard at all.
    @Test
    void unreadyBackupTakesOverWhenNoMasterIsHeard() {
        FailoverStateMachine b = started("b", 100);
        b.onReadiness("pool web has no backend up", 0);
        assertThat(b.onTick(DOWN_100).transition())
                .isEqualTo(new Transition(BACKUP, MASTER, "no heartbeat from a master for 360ms"));
    }

    // A handover reaching an unready backup: it takes the VIPs as soon as it is ready; the handing-over
    // peer keeps serving meanwhile (its priority-0 heartbeats keep the backup's timer fed).
    @Test
    void handoverToAnUnreadyBackupWaitsUntilItIsReady() {
        FailoverStateMachine b = started("b", 100);
        b.onReadiness("warming up: 700 of 1500 requests", 0);
        assertThat(b.onHeartbeat(hb("a", 0, MASTER), 100 * MS)).isEqualTo(Outcome.NONE);
        assertThat(b.onHeartbeat(hb("a", 0, INIT), 200 * MS)).isEqualTo(Outcome.NONE);
        assertThat(b.onTick(300 * MS).transition()).isNull();
        assertThat(b.nextDeadline()).isLessThanOrEqualTo(100 * MS + FailoverStateMachine.HANDOVER_READY_WAIT_NANOS);
        Outcome o = b.onReadiness(null, 400 * MS);
        assertThat(o.transition()).isEqualTo(new Transition(BACKUP, MASTER,
                "peer a handed over (priority 0); ready after 300ms"));
        assertThat(o.send()).isEqualTo(Send.HEARTBEAT);
    }

    // ... but not forever: a peer that is leaving needs a successor, ready or not.
    @Test
    void handoverToABackupThatStaysUnreadyIsTakenAfterTheWait() {
        FailoverStateMachine b = started("b", 100);
        b.onReadiness("pool web has no backend up", 0);
        b.onHeartbeat(hb("a", 0, INIT), 100 * MS);
        long until = 100 * MS + FailoverStateMachine.HANDOVER_READY_WAIT_NANOS;
        for (long t = 200 * MS; t < until; t += 100 * MS) {
            b.onHeartbeat(hb("a", 0, INIT), t);
            assertThat(b.onTick(t).transition()).isNull();
        }
        assertThat(b.onTick(until).transition()).isEqualTo(new Transition(BACKUP, MASTER,
                "peer a handed over (priority 0); still not ready (pool web has no backend up) after 5000ms,"
                        + " taking over anyway"));
    }

    // A planned handover: the master keeps the VIPs and sends priority 0 each interval until the peer holds
    // them, then steps down gracefully (after its requests in flight) and does not preempt them back until
    // the peer hands them back.
    @Test
    void plannedHandoverAndBack() {
        FailoverStateMachine a = master("a", 150, DOWN_150);
        long t = DOWN_150 + 10 * MS;
        assertThat(a.startHandover(Duration.ofSeconds(5), t)).isNull();
        assertThat(a.handingOver()).isTrue();
        assertThat(a.onTick(t)).isEqualTo(new Outcome(null, Send.HANDOVER, false));
        assertThat(a.onTick(t + 50 * MS)).isEqualTo(Outcome.NONE);
        assertThat(a.onTick(t + 100 * MS)).isEqualTo(new Outcome(null, Send.HANDOVER, false));
        assertThat(a.state()).isEqualTo(MASTER);
        Outcome o = a.onHeartbeat(hb("b", 100, MASTER), t + 120 * MS);
        assertThat(o.transition()).isEqualTo(new Transition(MASTER, BACKUP, "handed over to b", true));
        assertThat(a.preemptHeld()).isTrue();
        for (long u = t + 200 * MS; u < t + 3000 * MS; u += 100 * MS) {
            assertThat(a.onHeartbeat(hb("b", 100, MASTER), u)).isEqualTo(Outcome.NONE);
            a.onTick(u + MS);
        }
        assertThat(a.state()).isEqualTo(BACKUP);
        // b hands back (its own handover, or b stops): a takes over again.
        assertThat(a.onHeartbeat(hb("b", 0, MASTER), t + 3000 * MS).transition())
                .isEqualTo(new Transition(BACKUP, MASTER, "peer b handed over (priority 0)"));
        assertThat(a.preemptHeld()).isFalse();
    }

    // A planned handover the peer never takes: the master goes on as master after the wait.
    @Test
    void plannedHandoverThatIsNotTakenLeavesTheMasterInPlace() {
        FailoverStateMachine a = master("a", 150, DOWN_150);
        long t = DOWN_150 + 10 * MS;
        a.startHandover(Duration.ofMillis(300), t);
        assertThat(a.onTick(t).send()).isEqualTo(Send.HANDOVER);
        assertThat(a.onTick(t + 100 * MS).send()).isEqualTo(Send.HANDOVER);
        assertThat(a.onTick(t + 300 * MS)).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        assertThat(a.handingOver()).isFalse();
        assertThat(a.state()).isEqualTo(MASTER);
        assertThat(a.onTick(t + 400 * MS).send()).isEqualTo(Send.HEARTBEAT);
    }

    // Only a master can hand over.
    @Test
    void onlyAMasterCanHandOver() {
        FailoverStateMachine b = started("b", 100);
        assertThat(b.startHandover(Duration.ofSeconds(5), MS)).isEqualTo("this node is BACKUP, not MASTER");
        assertThat(b.handingOver()).isFalse();
    }

    private static void tickEvery100ms(FailoverStateMachine m, long from, long to) {
        for (long t = from + 100 * MS; t < to; t += 100 * MS) {
            m.onTick(t);
        }
    }

    // Split brain: two masters that start hearing each other end with exactly one within one advert interval.
    @Test
    void splitBrainHealsWithinOneAdvert() {
        FailoverStateMachine a = master("a", 150, DOWN_150);
        FailoverStateMachine b = master("b", 100, DOWN_100);
        long t = DOWN_150 + 100 * MS;
        // The link comes back: a's next periodic heartbeat reaches b at most one advert later.
        Outcome ao = a.onTick(t);
        assertThat(ao.send()).isEqualTo(Send.HEARTBEAT);
        Outcome bo = b.onHeartbeat(hb("a", 150, MASTER), t);
        assertThat(bo.transition()).isEqualTo(new Transition(MASTER, BACKUP, "heard master a with higher priority 150 > 100", true));
        assertThat(a.state()).isEqualTo(MASTER);
        // b's heartbeat that crossed a's on the wire: a stays and re-announces.
        assertThat(a.onHeartbeat(hb("b", 100, MASTER), t + MS).reannounce()).isTrue();
        assertThat(b.state()).isEqualTo(BACKUP);
    }

    // Its own heartbeats (multicast loopback) never move a node.
    @Test
    void ownHeartbeatsAreIgnored() {
        FailoverStateMachine m = started("a", 150);
        assertThat(m.onHeartbeat(hb("a", 0, MASTER), MS)).isEqualTo(Outcome.NONE);
        assertThat(m.state()).isEqualTo(BACKUP);
    }

    // A reload of a backup's settings keeps it a backup: the master-down timer restarts with the
    // new skew, so the reload cannot look like a silent master; the new priority goes out at once.
    @Test
    void reconfiguredBackupStaysBackupAndRestartsItsTimer() {
        FailoverStateMachine m = started("b", 100);
        m.onHeartbeat(hb("a", 150, MASTER), 90 * MS);
        Outcome o = m.reconfigure(120, ADVERT, true, Duration.ZERO, 300 * MS);
        assertThat(o).isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        assertThat(m.state()).isEqualTo(BACKUP);
        assertThat(m.priority()).isEqualTo(120);
        long down120 = 300 * MS + 136 * 100 * MS / 256;
        assertThat(m.masterDownNanos()).isEqualTo(down120);
        // The old timer (from the heartbeat at 90ms) would have run out at 90ms + DOWN_100.
        assertThat(m.onTick(90 * MS + DOWN_100).transition()).isNull();
        assertThat(m.onTick(300 * MS + down120 - 1).transition()).isNull();
        assertThat(m.onTick(300 * MS + down120).transition().to()).isEqualTo(MASTER);
    }

    // A master whose priority a reload lowers stays master until the peer (with preempt) says otherwise.
    @Test
    void reconfiguredMasterStaysMasterUntilThePeerPreempts() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        long t = DOWN_150 + 10 * MS;
        assertThat(m.reconfigure(90, Duration.ofMillis(50), true, Duration.ZERO, t))
                .isEqualTo(new Outcome(null, Send.HEARTBEAT, false));
        assertThat(m.state()).isEqualTo(MASTER);
        assertThat(m.onTick(t + 50 * MS).send()).isEqualTo(Send.HEARTBEAT);
        // The peer, priority 100 with preempt, now outranks it: its MASTER heartbeat wins.
        Outcome o = m.onHeartbeat(hb("b", 100, MASTER), t + 60 * MS);
        assertThat(o.transition().to()).isEqualTo(BACKUP);
    }

    // Reconfiguring with the same settings twice is harmless: no transition either time.
    @Test
    void repeatedReconfigureIsHarmless() {
        FailoverStateMachine m = master("a", 150, DOWN_150);
        assertThat(m.reconfigure(150, ADVERT, true, Duration.ZERO, DOWN_150 + MS).transition()).isNull();
        assertThat(m.reconfigure(150, ADVERT, true, Duration.ZERO, DOWN_150 + 2 * MS).transition()).isNull();
        assertThat(m.state()).isEqualTo(MASTER);
    }
}
