package io.tandem.core.announce;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The announce state machine with a fake clock: when the route is announced, withdrawn, and the node drained. */
class AnnounceStateMachineTest {

    private static final long MS = 1_000_000L;
    private static final String NO_BACKEND = "pool web (listener web) has no backend up";
    private final AnnounceStateMachine m = new AnnounceStateMachine(Duration.ofSeconds(2));

    // A starting node stays withdrawn while not ready and announces on the first ready tick, once.
    @Test
    void announcesOnlyOnceReady() {
        assertThat(m.state()).isEqualTo(AnnounceState.NOT_READY);
        assertThat(m.tick(0, "warm-up: 120 of 500 requests")).isEqualTo(AnnounceAction.NONE);
        assertThat(m.reason()).isEqualTo("warm-up: 120 of 500 requests");
        assertThat(m.tick(500 * MS, null)).isEqualTo(AnnounceAction.ANNOUNCE);
        assertThat(m.state()).isEqualTo(AnnounceState.ANNOUNCED);
        assertThat(m.tick(1000 * MS, null)).isEqualTo(AnnounceAction.NONE);
    }

    // Losing readiness withdraws at once; readiness back announces again.
    @Test
    void lossOfReadinessWithdrawsAndRecoveryAnnounces() {
        m.tick(0, null);
        assertThat(m.tick(100 * MS, NO_BACKEND)).isEqualTo(AnnounceAction.WITHDRAW);
        assertThat(m.state()).isEqualTo(AnnounceState.NOT_READY);
        assertThat(m.reason()).isEqualTo(NO_BACKEND);
        assertThat(m.tick(200 * MS, NO_BACKEND)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.tick(300 * MS, null)).isEqualTo(AnnounceAction.ANNOUNCE);
    }

    // A drain withdraws first, keeps serving for the whole wait, then drains; ready ticks do not announce.
    @Test
    void drainWithdrawsFirstThenDrainsAfterTheWait() {
        m.tick(0, null);
        assertThat(m.drain(1000 * MS)).isEqualTo(AnnounceAction.WITHDRAW);
        assertThat(m.state()).isEqualTo(AnnounceState.WITHDRAWING);
        assertThat(m.nanosUntilDrain(1500 * MS)).isEqualTo(1500 * MS);
        assertThat(m.tick(2999 * MS, null)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.tick(3000 * MS, null)).isEqualTo(AnnounceAction.DRAIN);
        assertThat(m.state()).isEqualTo(AnnounceState.DRAINED);
        assertThat(m.reason()).isEqualTo("drained by the admin API");
        assertThat(m.tick(4000 * MS, null)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.drain(5000 * MS)).isEqualTo(AnnounceAction.NONE);
    }

    // Enable does not announce by itself: the next tick announces only if the node is ready by then.
    @Test
    void enableAnnouncesOnlyAfterReady() {
        m.tick(0, null);
        m.drain(0);
        m.tick(2000 * MS, null);
        assertThat(m.enable(3000 * MS)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.state()).isEqualTo(AnnounceState.NOT_READY);
        assertThat(m.tick(3100 * MS, NO_BACKEND)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.tick(3200 * MS, null)).isEqualTo(AnnounceAction.ANNOUNCE);
        assertThat(m.enable(3300 * MS)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.state()).isEqualTo(AnnounceState.ANNOUNCED);
    }

    // A stop of an announced node withdraws and waits the full time before the process drains.
    @Test
    void shutdownWithdrawsThenWaits() {
        m.tick(0, null);
        assertThat(m.shutdown(10_000 * MS)).isEqualTo(AnnounceAction.WITHDRAW);
        assertThat(m.tick(11_000 * MS, null)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.tick(12_000 * MS, null)).isEqualTo(AnnounceAction.DRAIN);
        assertThat(m.state()).isEqualTo(AnnounceState.STOPPED);
        assertThat(m.tick(13_000 * MS, null)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.shutdown(13_000 * MS)).isEqualTo(AnnounceAction.NONE);
    }

    // A node that never announced has nothing to wait for at a stop.
    @Test
    void shutdownOfANeverAnnouncedNodeDoesNotWait() {
        m.tick(0, NO_BACKEND);
        assertThat(m.shutdown(0)).isEqualTo(AnnounceAction.WITHDRAW);
        assertThat(m.nanosUntilDrain(0)).isZero();
        assertThat(m.tick(0, null)).isEqualTo(AnnounceAction.DRAIN);
        assertThat(m.state()).isEqualTo(AnnounceState.STOPPED);
    }

    // A stop during a drain's wait keeps the drain's withdraw time: the wait is not served twice.
    @Test
    void shutdownDuringDrainKeepsTheWithdrawTime() {
        m.tick(0, null);
        m.drain(1000 * MS);
        assertThat(m.shutdown(2500 * MS)).isEqualTo(AnnounceAction.WITHDRAW);
        assertThat(m.tick(2999 * MS, null)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.tick(3000 * MS, null)).isEqualTo(AnnounceAction.DRAIN);
        assertThat(m.state()).isEqualTo(AnnounceState.STOPPED);
        assertThat(m.enable(4000 * MS)).isEqualTo(AnnounceAction.NONE);
        assertThat(m.state()).isEqualTo(AnnounceState.STOPPED);
    }

    // A stop after readiness was lost waits from that withdraw: a node withdrawn long ago stops at once.
    @Test
    void shutdownAfterLossOfReadinessCountsFromThatWithdraw() {
        m.tick(0, null);
        m.tick(1000 * MS, NO_BACKEND);
        m.shutdown(2000 * MS);
        assertThat(m.nanosUntilDrain(2000 * MS)).isEqualTo(1000 * MS);
        assertThat(m.tick(3000 * MS, null)).isEqualTo(AnnounceAction.DRAIN);
    }

    // Enable while the drain still waits cancels the drain; the node is announced once ready.
    @Test
    void enableDuringTheWaitCancelsTheDrain() {
        m.tick(0, null);
        m.drain(0);
        m.enable(500 * MS);
        assertThat(m.state()).isEqualTo(AnnounceState.NOT_READY);
        assertThat(m.tick(600 * MS, null)).isEqualTo(AnnounceAction.ANNOUNCE);
    }
}
