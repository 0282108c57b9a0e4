package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.BackendOrigin;
import io.tandem.config.HealthConfig;
import io.tandem.config.HostPort;
import io.tandem.config.OutlierConfig;
import io.tandem.config.StatusRanges;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.BackendState;
import io.tandem.core.pool.SlowStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PoolHealthTest {

    private static final long S = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1000 * S);
    private final List<String> events = new ArrayList<>();
    /** The verdicts of this node's own checks, as the listener was told them. */
    private final List<String> verdicts = new ArrayList<>();
    private final Backend a = new Backend(new HostPort("127.0.0.1", 9001), 1, false);
    private final Backend b = new Backend(new HostPort("127.0.0.1", 9002), 1, false);
    private final BackendPool pool = new BackendPool("web", List.of(a, b));

    private final PoolHealth.Listener listener = new PoolHealth.Listener() {
        @Override
        public void stateChanged(StateChange c) {
            events.add(c.backend() + " " + c.fromLabel() + " -> " + c.to().label() + ": " + c.reason());
        }

        @Override
        public void ejected(Backend backend, Duration duration, String reason) {
            events.add(backend + " ejected " + duration.toSeconds() + "s");
        }

        @Override
        public void returnDueIn(long nanos) {
            events.add("return due in " + nanos / S + "s");
        }

        @Override
        public void checkVerdict(Backend backend, boolean up) {
            verdicts.add(backend + " " + (up ? "up" : "down"));
        }
    };

    private static HealthConfig health(HealthConfig.InitialState initial) {
        return new HealthConfig("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2, StatusRanges.parse("200"),
                HealthConfig.Type.HTTP, "GET", null, null, Duration.ofSeconds(1),
                initial);
    }

    private PoolHealth health(HealthConfig.InitialState initial, OutlierConfig outlier) {
        return active(new PoolHealth(pool, Optional.of(health(initial)), outlier, clock::get, listener));
    }

    private PoolHealth passive(OutlierConfig outlier) {
        return active(new PoolHealth(pool, Optional.empty(), outlier, clock::get, listener));
    }

    private static PoolHealth active(PoolHealth h) {
        h.activate(null);
        return h;
    }

    private static OutlierConfig outlier(int failures, int fivexx, int percent) {
        return new OutlierConfig(failures, fivexx, Duration.ofSeconds(30), Duration.ofSeconds(300), percent);
    }

    // Unchecked backends take no traffic; the first check decides and is logged from "unchecked".
    @Test
    void firstCheckDecides() {
        PoolHealth h = health(HealthConfig.InitialState.PROBE, OutlierConfig.DEFAULT);
        assertThat(pool.live()).isEmpty();
        assertThat(h.probed(a, true, "HTTP 200", clock.get())).isEqualTo(Transition.CHANGED);
        assertThat(h.probed(b, false, "connection refused", clock.get())).isEqualTo(Transition.CHANGED);
        assertThat(pool.live()).containsExactly(a);
        assertThat(events).containsExactly(
                "127.0.0.1:9001 unchecked -> up: first check passed: HTTP 200",
                "127.0.0.1:9002 unchecked -> down: first check failed: connection refused");
    }

    // initial-state up: in rotation at once, taken down after fall failures with one log line.
    @Test
    void assumedUpGoesDownAfterFall() {
        PoolHealth h = health(HealthConfig.InitialState.UP, OutlierConfig.DEFAULT);
        assertThat(pool.live()).containsExactly(a, b);
        assertThat(h.probed(a, false, "HTTP 500", clock.get())).isEqualTo(Transition.CHANGE_PENDING);
        assertThat(pool.live()).containsExactly(a, b);
        assertThat(h.probed(a, false, "HTTP 500", clock.get())).isEqualTo(Transition.CHANGED);
        assertThat(pool.live()).containsExactly(b);
        assertThat(events).containsExactly("127.0.0.1:9001 up -> down: 2 consecutive checks failed (last: HTTP 500)");
        h.probed(a, true, "HTTP 200", clock.get());
        h.probed(a, true, "HTTP 200", clock.get());
        assertThat(a.state()).isEqualTo(BackendState.UP);
        assertThat(events).last().isEqualTo("127.0.0.1:9001 down -> up: 2 consecutive checks passed (last: HTTP 200)");
    }

    // Five connection failures eject a backend for 30s; it returns when returnDue runs after that time.
    @Test
    void passiveEjectionAndReturn() {
        PoolHealth h = passive(outlier(5, 0, 50));
        for (int k = 0; k < 5; k++) {
            h.connectionFailed(a, "connection refused");
        }
        assertThat(a.state()).isEqualTo(BackendState.EJECTED);
        assertThat(pool.live()).containsExactly(b);
        assertThat(h.returnDue()).isEqualTo(30 * S);
        clock.addAndGet(30 * S);
        assertThat(h.returnDue()).isEqualTo(-1);
        assertThat(a.state()).isEqualTo(BackendState.UP);
        assertThat(events).containsExactly(
                "127.0.0.1:9001 ejected 30s",
                "return due in 30s",
                "127.0.0.1:9001 up -> ejected: ejected for 30s after 5 consecutive connection failures "
                        + "(last: connection refused)",
                "127.0.0.1:9001 ejected -> up: ejection time over");
    }

    // With 50% of two backends, the second failing backend is not ejected while the first is out.
    @Test
    void neverMoreThanMaxEjectedPercent() {
        PoolHealth h = passive(outlier(1, 0, 50));
        h.connectionFailed(a, "connection refused");
        h.connectionFailed(b, "connection refused");
        h.connectionFailed(b, "connection refused");
        assertThat(a.state()).isEqualTo(BackendState.EJECTED);
        assertThat(b.state()).isEqualTo(BackendState.UP);
        assertThat(pool.live()).containsExactly(b);
    }

    // consecutive-5xx ejects; a passing active check that started after the ejection brings it back, an older one does not.
    @Test
    void passingCheckEndsEjection() {
        PoolHealth h = health(HealthConfig.InitialState.UP, outlier(5, 3, 50));
        long before = clock.get();
        clock.addAndGet(S);
        h.responded(a, 500);
        h.responded(a, 502);
        h.responded(a, 503);
        assertThat(a.state()).isEqualTo(BackendState.EJECTED);
        h.probed(a, true, "HTTP 200", before);
        assertThat(a.state()).isEqualTo(BackendState.EJECTED);
        h.probed(a, true, "HTTP 200", clock.get());
        assertThat(a.state()).isEqualTo(BackendState.UP);
        assertThat(events).last().isEqualTo("127.0.0.1:9001 ejected -> up: a check passed after the ejection "
                + "(last: HTTP 200)");
    }

    // Drain wins over every other state; enable returns to what the checks say, and repeating either is harmless.
    @Test
    void drainAndEnable() {
        PoolHealth h = health(HealthConfig.InitialState.UP, OutlierConfig.DEFAULT);
        assertThat(h.drain(a, "drained through the admin API")).isEqualTo(BackendState.DRAINING);
        assertThat(h.drain(a, "drained through the admin API")).isEqualTo(BackendState.DRAINING);
        assertThat(pool.live()).containsExactly(b);
        h.probed(a, false, "HTTP 500", clock.get());
        h.probed(a, false, "HTTP 500", clock.get());
        assertThat(a.state()).isEqualTo(BackendState.DRAINING);
        assertThat(h.checkStatus(a)).isEqualTo(HealthCheckSession.Status.DOWN);
        assertThat(h.enable(a, "enabled through the admin API")).isEqualTo(BackendState.DOWN);
        assertThat(h.enable(a, "enabled through the admin API")).isEqualTo(BackendState.DOWN);
        assertThat(events).containsExactly(
                "127.0.0.1:9001 up -> draining: drained through the admin API",
                "127.0.0.1:9001 draining -> down: enabled through the admin API");
    }

    // A 2xx answer ends a run of connection failures, so scattered failures never eject.
    @Test
    void responsesResetFailureRuns() {
        PoolHealth h = passive(outlier(3, 0, 50));
        for (int k = 0; k < 10; k++) {
            h.connectionFailed(a, "connection reset");
            h.connectionFailed(a, "connection reset");
            h.responded(a, 200);
        }
        assertThat(a.state()).isEqualTo(BackendState.UP);
        assertThat(events).isEmpty();
    }

    // Building a pool health changes nothing; a reload's activate keeps drain, check state and ejection of
    // backends that stay, starts new ones unchecked, and the replaced one only forwards the proxy's reports.
    @Test
    void reloadCarriesStateOfBackendsThatStay() {
        PoolHealth before = health(HealthConfig.InitialState.PROBE, outlier(1, 0, 100));
        before.probed(a, true, "HTTP 200", clock.get());
        before.probed(b, true, "HTTP 200", clock.get());
        before.drain(a, "drained through the admin API");
        before.connectionFailed(b, "connection refused");
        assertThat(a.state()).isEqualTo(BackendState.DRAINING);
        assertThat(b.state()).isEqualTo(BackendState.EJECTED);

        Backend c = new Backend(new HostPort("127.0.0.1", 9003), 1, false);
        BackendPool next = new BackendPool("web", List.of(a, b, c));
        PoolHealth after = new PoolHealth(next, Optional.of(health(HealthConfig.InitialState.PROBE)),
                outlier(1, 0, 100), clock::get, listener);
        assertThat(c.state()).isEqualTo(BackendState.UP);
        events.clear();
        clock.addAndGet(10 * S);
        after.activate(before);

        assertThat(a.state()).isEqualTo(BackendState.DRAINING);
        assertThat(b.state()).isEqualTo(BackendState.EJECTED);
        assertThat(c.state()).isEqualTo(BackendState.DOWN);
        assertThat(next.live()).isEmpty();
        assertThat(after.checkStatus(b)).isEqualTo(HealthCheckSession.Status.UP);
        assertThat(events).containsExactly("return due in 20s");

        assertThat(before.probed(b, false, "ignored", clock.get())).isEqualTo(Transition.UNCHANGED);
        assertThat(before.returnDue()).isEqualTo(-1);
        after.enable(a, "enabled through the admin API");
        after.probed(c, true, "HTTP 200", clock.get());
        assertThat(next.live()).containsExactly(a, c);
        clock.addAndGet(20 * S);
        assertThat(after.returnDue()).isEqualTo(-1);
        assertThat(next.live()).containsExactly(a, b, c);
        before.connectionFailed(a, "connection refused");
        assertThat(a.state()).as("a report to the replaced pool health reaches its successor")
                .isEqualTo(BackendState.EJECTED);
    }

    // With slow start, a backend whose first check passes takes its full weight at once; one that comes back
    // after being down ramps up.
    @Test
    void slowStartOnlyForBackendsThatCameBack() {
        Backend x = new Backend(new HostPort("127.0.0.1", 9005), 100, false);
        BackendPool slow = new BackendPool("slow", List.of(x),
                io.tandem.core.pool.SlowStart.over(Duration.ofSeconds(30)), clock::get);
        PoolHealth h = active(new PoolHealth(slow, Optional.of(health(HealthConfig.InitialState.PROBE)),
                OutlierConfig.DEFAULT, clock::get, listener));
        h.probed(x, true, "HTTP 200", clock.get());
        int atFirstCheck = x.effectiveWeight();
        h.probed(x, false, "HTTP 500", clock.get());
        h.probed(x, false, "HTTP 500", clock.get());
        h.probed(x, true, "HTTP 200", clock.get());
        h.probed(x, true, "HTTP 200", clock.get());
        assertThat(x.state()).isEqualTo(BackendState.UP);
        assertThat(x.effectiveWeight()).isLessThan(atFirstCheck);
        clock.addAndGet(31 * S);
        slow.updateSlowStart();
        assertThat(x.effectiveWeight()).as("full weight after the ramp").isEqualTo(atFirstCheck);
    }

    // A backend the admin API adds to a running pool is DOWN until `rise` (2) checks in a row pass,
    // then UP at 1/16 of its weight, ramping to full over the pool's slow start (10 s).
    @Test
    void runtimeBackendRisesThenSlowStarts() {
        BackendPool first = new BackendPool("web", List.of(a), SlowStart.over(Duration.ofSeconds(10)), clock::get);
        PoolHealth before = new PoolHealth(first, Optional.of(health(HealthConfig.InitialState.UP)),
                OutlierConfig.DEFAULT, clock::get, listener);
        before.activate(null);
        Backend added = new Backend(new HostPort("127.0.0.1", 9003), 1, false, "web-3", BackendOrigin.API);
        BackendPool next = new BackendPool("web", List.of(a, added), SlowStart.over(Duration.ofSeconds(10)),
                clock::get);
        PoolHealth after = new PoolHealth(next, Optional.of(health(HealthConfig.InitialState.UP)),
                OutlierConfig.DEFAULT, clock::get, listener);
        after.activate(before);

        assertThat(added.state()).isEqualTo(BackendState.DOWN);
        assertThat(after.checkStatus(added)).isEqualTo(HealthCheckSession.Status.DOWN);
        assertThat(next.live()).containsExactly(a);
        assertThat(after.probed(added, true, "HTTP 200", clock.get())).isEqualTo(Transition.CHANGE_PENDING);
        assertThat(next.live()).containsExactly(a);
        assertThat(after.probed(added, true, "HTTP 200", clock.get())).isEqualTo(Transition.CHANGED);
        assertThat(next.live()).containsExactly(a, added);
        assertThat(added.effectiveWeight()).isEqualTo(1);
        clock.addAndGet(5 * S);
        next.updateSlowStart();
        assertThat(added.effectiveWeight()).isEqualTo(8);
        clock.addAndGet(5 * S);
        next.updateSlowStart();
        assertThat(added.effectiveWeight()).isEqualTo(Backend.WEIGHT_SCALE);
        assertThat(added.stickyId()).isEqualTo("web-3");
    }

    // Without active checks a runtime backend takes traffic at once, but ramped by slow start;
    // a backend a reload adds from the file is not ramped (as at start).
    @Test
    void runtimeBackendWithoutChecksIsRamped() {
        BackendPool first = new BackendPool("web", List.of(a), SlowStart.over(Duration.ofSeconds(10)), clock::get);
        PoolHealth before = new PoolHealth(first, Optional.empty(), OutlierConfig.DEFAULT, clock::get, listener);
        before.activate(null);
        Backend added = new Backend(new HostPort("127.0.0.1", 9003), 1, false, null, BackendOrigin.DNS);
        Backend fromFile = new Backend(new HostPort("127.0.0.1", 9004), 1, false);
        BackendPool next = new BackendPool("web", List.of(a, added, fromFile),
                SlowStart.over(Duration.ofSeconds(10)), clock::get);
        new PoolHealth(next, Optional.empty(), OutlierConfig.DEFAULT, clock::get, listener).activate(before);

        assertThat(next.live()).containsExactly(a, added, fromFile);
        assertThat(added.effectiveWeight()).isEqualTo(1);
        assertThat(fromFile.effectiveWeight()).isEqualTo(Backend.WEIGHT_SCALE);
        assertThat(added.stickyId()).isEqualTo(Backend.derivedStickyId(added.address()));
    }

    // An ejection the peer saw is applied for the time it has left: the backend is EJECTED here,
    // logged with the peer's name, and back UP when that time is over.
    @Test
    void peerEjectionIsApplied() {
        PoolHealth h = passive(outlier(5, 0, 100));
        events.clear();
        assertThat(h.ejectedByPeer(a, 12 * S, "lb-a")).isTrue();
        assertThat(a.state()).isEqualTo(BackendState.EJECTED);
        assertThat(pool.live()).containsExactly(b);
        assertThat(h.ejectedForNanos(a)).isEqualTo(12 * S);
        assertThat(h.ejectedByPeer(a, 5 * S, "lb-a")).isFalse();
        assertThat(events).containsExactly("return due in 12s",
                "127.0.0.1:9001 up -> ejected: ejected for 12s as lb-a saw it");
        clock.addAndGet(12 * S);
        assertThat(h.returnDue()).isEqualTo(-1);
        assertThat(pool.live()).containsExactly(a, b);
    }

    // A verdict is told before the pool takes it: a pair's master whose last backend goes down turns FAULT as
    // soon as its pool shows no backend up, and what it found as the master must still reach the peer.
    @Test
    void checkVerdictIsToldBeforeThePoolTakesIt() {
        List<String> seen = new ArrayList<>();
        PoolHealth h = active(new PoolHealth(pool, Optional.of(health(HealthConfig.InitialState.PROBE)),
                OutlierConfig.DEFAULT, clock::get, new PoolHealth.Listener() {
                    @Override
                    public void stateChanged(StateChange c) {
                        seen.add("state " + c.to().label() + ", live " + pool.live().size());
                    }

                    @Override
                    public void ejected(Backend backend, Duration duration, String reason) {
                    }

                    @Override
                    public void returnDueIn(long nanos) {
                    }

                    @Override
                    public void checkVerdict(Backend backend, boolean up) {
                        seen.add("verdict " + (up ? "up" : "down") + ", live " + pool.live().size());
                    }
                }));
        h.probed(a, true, "HTTP 200", clock.get());
        h.probed(b, false, "connection refused", clock.get());
        assertThat(pool.live()).containsExactly(a);
        seen.clear();
        h.probed(a, false, "connection refused", clock.get());
        assertThat(seen).isEmpty();
        h.probed(a, false, "connection refused", clock.get());
        assertThat(seen).containsExactly("verdict down, live 1", "state down, live 0");
        assertThat(pool.live()).isEmpty();
    }

    // Each verdict of this node's own checks is told (the first check's too); a verdict taken from the peer
    // is applied as if this node's checks had reached it, is not told again, and this node's own checks go on.
    @Test
    void checkVerdictsOwnAndFromThePeer() {
        PoolHealth h = health(HealthConfig.InitialState.PROBE, OutlierConfig.DEFAULT);
        h.probed(a, true, "HTTP 200", clock.get());
        assertThat(verdicts).containsExactly("127.0.0.1:9001 up");
        events.clear();
        verdicts.clear();
        // A just-started backup: b was never checked here. The master says b is down, then a is down.
        assertThat(h.checkedByPeer(b, false, "lb-a")).isTrue();
        assertThat(h.checkedByPeer(a, false, "lb-a")).isTrue();
        assertThat(h.checkedByPeer(a, false, "lb-a")).isFalse();
        assertThat(pool.live()).isEmpty();
        assertThat(h.checkVerdicts()).containsExactly(Map.entry(a, false), Map.entry(b, false));
        // This node's own checks (rise 2) bring a back: two passes, and only that verdict is told.
        assertThat(h.probed(a, true, "HTTP 200", clock.get())).isEqualTo(Transition.CHANGE_PENDING);
        assertThat(verdicts).isEmpty();
        assertThat(h.probed(a, true, "HTTP 200", clock.get())).isEqualTo(Transition.CHANGED);
        assertThat(pool.live()).containsExactly(a);
        assertThat(events).containsExactly(
                "127.0.0.1:9002 unchecked -> down: down as lb-a's checks found",
                "127.0.0.1:9001 up -> down: down as lb-a's checks found",
                "127.0.0.1:9001 down -> up: 2 consecutive checks passed (last: HTTP 200)");
        assertThat(verdicts).containsExactly("127.0.0.1:9001 up");
        // The peer says b is up again: it takes traffic here at once.
        assertThat(h.checkedByPeer(b, true, "lb-a")).isTrue();
        assertThat(pool.live()).containsExactlyInAnyOrder(a, b);
        // Without active checks there is no verdict to take.
        PoolHealth passive = passive(OutlierConfig.DEFAULT);
        assertThat(passive.checkedByPeer(a, false, "lb-a")).isFalse();
        assertThat(passive.checkVerdicts()).isEmpty();
    }
}
