package io.tandem.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlowStartTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    private static Backend backend(int port, int weight) {
        return new Backend(new HostPort("127.0.0.1", port), weight, false);
    }

    // The ramp is linear from 1 to the full weight over the period, then stays full.
    @Test
    void rampIsLinearAndBounded() {
        SlowStart s = SlowStart.over(Duration.ofSeconds(10));
        assertThat(s.weightAt(160, 0)).isEqualTo(1);
        assertThat(s.weightAt(160, 1 * SECOND)).isEqualTo(16);
        assertThat(s.weightAt(160, 5 * SECOND)).isEqualTo(80);
        assertThat(s.weightAt(160, 10 * SECOND)).isEqualTo(160);
        assertThat(s.weightAt(160, 60 * SECOND)).isEqualTo(160);
        assertThat(s.weightAt(160, -SECOND)).isEqualTo(1);
        assertThat(s.tickNanos()).isEqualTo(SECOND);
        assertThat(SlowStart.over(Duration.ZERO).enabled()).isFalse();
        assertThat(SlowStart.over(Duration.ZERO).weightAt(160, 0)).isEqualTo(160);
    }

    // A backend that turns UP starts at the lowest weight and reaches its full weight after the period.
    @Test
    void backendComingUpRampsWithTheClock() {
        Backend a = backend(1, 1);
        Backend b = backend(2, 1);
        BackendPool pool = new BackendPool("web", List.of(a, b), SlowStart.over(Duration.ofSeconds(10)), clock::get);
        assertThat(b.effectiveWeight()).isEqualTo(16);
        pool.setState(b, BackendState.DOWN);
        pool.setState(b, BackendState.UP);
        assertThat(b.effectiveWeight()).isEqualTo(1);
        assertThat(pool.updateSlowStart()).isEqualTo(1);
        clock.addAndGet(5 * SECOND);
        assertThat(pool.updateSlowStart()).isEqualTo(1);
        assertThat(b.effectiveWeight()).isEqualTo(8);
        clock.addAndGet(5 * SECOND);
        assertThat(pool.updateSlowStart()).isZero();
        assertThat(b.effectiveWeight()).isEqualTo(16);
        assertThat(a.effectiveWeight()).isEqualTo(16);
    }

    // Repeating UP does not restart the ramp; a weight change mid-ramp ramps towards the new weight.
    @Test
    void repeatedUpIsHarmlessAndWeightChangesFollowTheRamp() {
        Backend a = backend(1, 2);
        BackendPool pool = new BackendPool("web", List.of(a), SlowStart.over(Duration.ofSeconds(10)), clock::get);
        pool.setState(a, BackendState.DOWN);
        pool.setState(a, BackendState.UP);
        clock.addAndGet(5 * SECOND);
        pool.setState(a, BackendState.UP);
        pool.updateSlowStart();
        assertThat(a.effectiveWeight()).isEqualTo(16);
        pool.setWeight(a, 4);
        assertThat(a.effectiveWeight()).isEqualTo(32);
        clock.addAndGet(5 * SECOND);
        pool.updateSlowStart();
        assertThat(a.effectiveWeight()).isEqualTo(64);
    }

    // Without slow start a returning backend gets its full weight at once and nothing ramps.
    @Test
    void noSlowStartMeansFullWeightAtOnce() {
        Backend a = backend(1, 3);
        BackendPool pool = new BackendPool("web", List.of(a));
        pool.setState(a, BackendState.DOWN);
        pool.setState(a, BackendState.UP);
        assertThat(a.effectiveWeight()).isEqualTo(48);
        assertThat(pool.updateSlowStart()).isZero();
    }

    // A reload's new pool over the same backend keeps a ramp in progress, or ends it when slow start is gone.
    @Test
    void reloadCarriesOrEndsTheRamp() {
        Backend a = backend(1, 1);
        Backend b = backend(2, 1);
        SlowStart tenSeconds = SlowStart.over(Duration.ofSeconds(10));
        BackendPool first = new BackendPool("web", List.of(a, b), tenSeconds, clock::get);
        first.setState(b, BackendState.DOWN);
        first.setState(b, BackendState.UP);
        clock.addAndGet(3 * SECOND);
        BackendPool reloaded = new BackendPool("web", List.of(a, b), tenSeconds, clock::get);
        assertThat(b.effectiveWeight()).isEqualTo(4);
        clock.addAndGet(7 * SECOND);
        assertThat(reloaded.updateSlowStart()).isZero();
        assertThat(b.effectiveWeight()).isEqualTo(16);

        reloaded.setState(b, BackendState.DOWN);
        reloaded.setState(b, BackendState.UP);
        assertThat(b.effectiveWeight()).isEqualTo(1);
        new BackendPool("web", List.of(a, b));
        assertThat(b.effectiveWeight()).isEqualTo(16);
    }

    // Sticky ids name live backends only: unknown ids and down backends give null.
    @Test
    void stickyIdsResolveToLiveBackends() {
        Backend a = backend(1, 1);
        Backend b = backend(2, 1);
        BackendPool pool = new BackendPool("web", List.of(a, b));
        assertThat(a.stickyId()).matches("[0-9a-f]{16}").doesNotContain("127.0.0.1").isNotEqualTo(b.stickyId());
        assertThat(backend(1, 5).stickyId()).isEqualTo(a.stickyId());
        assertThat(pool.stickyBackend(b.stickyId())).isSameAs(b);
        assertThat(pool.stickyBackend("0123456789abcdef")).isNull();
        assertThat(pool.stickyBackend(null)).isNull();
        pool.setState(b, BackendState.DRAINING);
        assertThat(pool.stickyBackend(b.stickyId())).isNull();
    }
}
