package io.tandem.core.health;

import io.tandem.config.BackendOrigin;
import io.tandem.config.HealthConfig;
import io.tandem.config.OutlierConfig;
import io.tandem.config.Units;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.BackendState;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The health of one pool's backends: combines what active checks
 * ({@link HealthCheckSession}), passive outlier detection
 * ({@link OutlierDetector}) and the operator (drain) say about each backend
 * into the one {@link BackendState} the balancer reads, and tells the pool
 * when it changes. An operator's drain wins over everything; then a failed
 * active check (DOWN); then an ejection; otherwise the backend is UP.
 *
 * <p>Building one changes nothing; {@link #activate} puts it in force, at
 * start or when a reload commits, taking over what the pool health it
 * replaces knew of the backends that stay. A replaced one passes the proxy's
 * late reports on and otherwise does nothing.
 *
 * <p>Thread-safe. Every change runs under this object's lock, and the
 * {@link Listener} is called under it too, so changes of one pool are
 * reported in the order they happened. The hot path ({@link #responded})
 * takes no lock unless a 5xx run reaches its threshold. Time comes from the
 * injected clock (nanoseconds, monotonic).
 */
public final class PoolHealth {

    /** Hears about changes; called under the pool's lock, so it must not block. */
    public interface Listener {

        /** A backend's state changed (one log line each). */
        void stateChanged(StateChange change);

        /** A backend was ejected for {@code duration} (counted; the state change is reported apart). */
        void ejected(Backend backend, Duration duration, String reason);

        /** {@link #returnDue} should run in {@code nanos}: an ejection ends then. */
        void returnDueIn(long nanos);

        /**
         * This node's own active checks reached a verdict on {@code backend}: up (rise passes) or down
         * (fall failures, or a failed first check). Not called for a verdict taken from the peer. Called
         * before the pool's state takes the verdict (and before its {@link #stateChanged}).
         */
        default void checkVerdict(Backend backend, boolean up) {
        }
    }

    private final BackendPool pool;
    private final List<Backend> backends;
    private final Map<Backend, Integer> index = new IdentityHashMap<>();
    private final HealthCheckSession[] sessions;
    private final OutlierDetector outliers;
    private final boolean[] drained;
    private final LongSupplier clock;
    private final Listener listener;
    /** Set when a reload replaced this pool health (or removed the pool); then this one acts no more. */
    private volatile boolean retired;
    private volatile PoolHealth successor;

    public PoolHealth(BackendPool pool, Optional<HealthConfig> health, OutlierConfig outlier, LongSupplier nanoClock,
                      Listener listener) {
        this.pool = pool;
        this.backends = pool.backends();
        this.clock = nanoClock;
        this.listener = listener;
        this.sessions = new HealthCheckSession[backends.size()];
        this.outliers = new OutlierDetector(outlier, backends.size());
        this.drained = new boolean[backends.size()];
        for (int i = 0; i < backends.size(); i++) {
            index.put(backends.get(i), i);
            if (health.isPresent()) {
                HealthConfig h = health.get();
                sessions[i] = h.initialState() == HealthConfig.InitialState.UP
                        ? HealthCheckSession.up(h.rise(), h.fall()) : HealthCheckSession.unchecked(h.rise(), h.fall());
            }
        }
    }

    /**
     * Puts this pool health in force. At start ({@code previous} null) every
     * backend gets its state: an unchecked one takes no request until its
     * first check passed. At a reload's commit, backends that stay (the same
     * {@link Backend} objects) keep what {@code previous} knew of them (check
     * counters, ejection, drain; a pool that gains checks assumes them up),
     * new ones start as at start, and {@code previous} retires.
     */
    public void activate(PoolHealth previous) {
        if (previous == null) {
            synchronized (this) {
                for (int i = 0; i < backends.size(); i++) {
                    pool.setState(backends.get(i), effective(i));
                }
            }
            return;
        }
        synchronized (previous) {
            synchronized (this) {
                for (int i = 0; i < backends.size(); i++) {
                    Integer j = previous.index.get(backends.get(i));
                    if (j == null) {
                        admitNew(i);
                        continue;
                    }
                    drained[i] = previous.drained[j];
                    if (sessions[i] != null) {
                        HealthCheckSession before = previous.sessions[j];
                        sessions[i] = before != null
                                ? HealthCheckSession.carried(before, sessions[i].rise(), sessions[i].fall())
                                : HealthCheckSession.up(sessions[i].rise(), sessions[i].fall());
                    }
                    outliers.carry(i, previous.outliers, j);
                    apply(i, "config reloaded", false);
                }
                previous.successor = this;
                previous.retired = true;
                long next = outliers.nextDueNanos(clock.getAsLong());
                if (next >= 0) {
                    listener.returnDueIn(next);
                }
            }
        }
    }

    /**
     * A backend new to a running pool. One from the file (a reload) starts as
     * at start. One a runtime change added (admin API, DNS) must pass
     * {@code rise} checks in a row before it takes traffic, and slow-starts
     * when it turns UP; without active checks it takes traffic at once, ramped.
     */
    private void admitNew(int i) {
        Backend b = backends.get(i);
        if (b.origin() == BackendOrigin.FILE) {
            pool.setState(b, effective(i));
            return;
        }
        if (sessions[i] != null) {
            sessions[i] = HealthCheckSession.down(sessions[i].rise(), sessions[i].fall());
        }
        pool.setState(b, effective(i));
        pool.startRamp(b);
    }

    /** Stops acting: a reload removed the pool. */
    public synchronized void retire() {
        retired = true;
    }

    public String poolName() {
        return pool.name();
    }

    /** Whether this pool has active checks. */
    public boolean activeChecks() {
        return sessions.length > 0 && sessions[0] != null;
    }

    /**
     * An active check of {@code backend} ended. {@code probeStartedNanos}
     * (same clock) is when it began: a pass ends an ejection only if the
     * check started after the ejection did. Returns what the result did to
     * the backend's active health.
     */
    public synchronized Transition probed(Backend backend, boolean passed, String detail, long probeStartedNanos) {
        if (retired) {
            return Transition.UNCHANGED;
        }
        int i = indexOf(backend);
        HealthCheckSession s = sessions[i];
        if (s == null) {
            throw new IllegalStateException("pool " + pool.name() + " has no active checks");
        }
        boolean first = s.status() == HealthCheckSession.Status.UNCHECKED;
        Transition t = passed ? s.passed() : s.failed();
        String reason;
        if (first) {
            reason = "first check " + (passed ? "passed" : "failed") + ": " + detail;
        } else if (passed) {
            reason = s.consecutivePasses() + (s.consecutivePasses() == 1 ? " check passed" : " consecutive checks passed")
                    + " (last: " + detail + ")";
        } else {
            reason = s.consecutiveFailures() + (s.consecutiveFailures() == 1 ? " check failed"
                    : " consecutive checks failed") + " (last: " + detail + ")";
        }
        long now = clock.getAsLong();
        if (passed && s.status() == HealthCheckSession.Status.UP && outliers.isEjected(i)
                && probeStartedNanos - outliers.ejectedAt(i) >= 0) {
            outliers.release(i, now);
            if (t != Transition.CHANGED) {
                reason = "a check passed after the ejection (last: " + detail + ")";
            }
        }
        // Told before the pool takes it: a pair's master whose last backend this takes down goes FAULT as soon
        // as its pool shows it, and the verdict it reached as the master must still reach the peer.
        if (t == Transition.CHANGED || first) {
            listener.checkVerdict(backend, s.status() == HealthCheckSession.Status.UP);
        }
        apply(i, reason, first);
        return t;
    }

    /**
     * The peer of a pair reached a verdict on {@code backend} by its active
     * checks: this node's check state takes it, as if its own checks had
     * reached {@code rise} or {@code fall}, so that it knows which backends
     * are down should it take over (before its own checks found out, e.g.
     * just after it started). Its own checks go on and change the state as
     * they find. Returns whether anything changed.
     */
    public synchronized boolean checkedByPeer(Backend backend, boolean up, String peer) {
        if (retired) {
            PoolHealth next = successor;
            return next != null && next.index.containsKey(backend) && next.checkedByPeer(backend, up, peer);
        }
        int i = indexOf(backend);
        HealthCheckSession s = sessions[i];
        HealthCheckSession.Status target = up ? HealthCheckSession.Status.UP : HealthCheckSession.Status.DOWN;
        if (s == null || s.status() == target) {
            return false;
        }
        boolean first = s.status() == HealthCheckSession.Status.UNCHECKED;
        sessions[i] = up ? HealthCheckSession.up(s.rise(), s.fall()) : HealthCheckSession.down(s.rise(), s.fall());
        apply(i, (up ? "up" : "down") + " as " + peer + "'s checks found", first);
        return true;
    }

    /** The verdicts of this node's active checks now: true for up, false for down; unchecked ones left out. */
    public synchronized Map<Backend, Boolean> checkVerdicts() {
        Map<Backend, Boolean> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < sessions.length; i++) {
            HealthCheckSession s = sessions[i];
            if (s != null && s.status() != HealthCheckSession.Status.UNCHECKED) {
                out.put(backends.get(i), s.status() == HealthCheckSession.Status.UP);
            }
        }
        return out;
    }

    /**
     * The proxy could not use a connection to {@code backend}: refused,
     * timed out, or reset before the response ended. {@code what} says which.
     */
    public void connectionFailed(Backend backend, String what) {
        if (retired) {
            PoolHealth next = successor;
            if (next != null && next.index.containsKey(backend)) {
                next.connectionFailed(backend, what);
            }
            return;
        }
        int i = indexOf(backend);
        if (outliers.connectionFailed(i)) {
            // The threshold, not the counter: loops failing at once may have counted past it.
            eject(i, outliers.failureThreshold() + " consecutive connection failures (last: " + what + ")");
        }
    }

    /** {@code backend} answered a proxied request with {@code status}. Hot path. */
    public void responded(Backend backend, int status) {
        if (retired) {
            PoolHealth next = successor;
            if (next != null && next.index.containsKey(backend)) {
                next.responded(backend, status);
            }
            return;
        }
        int i = indexOf(backend);
        if (outliers.responded(i, status)) {
            eject(i, outliers.fivexxThreshold() + " consecutive 5xx responses (last: " + status + ")");
        }
    }

    private synchronized void eject(int i, String why) {
        if (retired) {
            return;
        }
        long duration = outliers.eject(i, clock.getAsLong());
        if (duration == 0) {
            return;
        }
        Duration d = Duration.ofNanos(duration);
        String reason = "ejected for " + Units.format(d) + " after " + why;
        listener.ejected(backends.get(i), d, reason);
        listener.returnDueIn(duration);
        apply(i, reason, false);
    }

    /**
     * The peer of a pair ejected {@code backend} with {@code remainingNanos}
     * to go: it is ejected here too, for that long, so this node knows it is
     * bad should it take over (it serves no traffic that would show it).
     * Repeating is harmless. Returns whether anything changed.
     */
    public synchronized boolean ejectedByPeer(Backend backend, long remainingNanos, String peer) {
        if (retired) {
            PoolHealth next = successor;
            return next != null && next.index.containsKey(backend) && next.ejectedByPeer(backend, remainingNanos, peer);
        }
        int i = indexOf(backend);
        if (!outliers.ejectFor(i, clock.getAsLong(), remainingNanos)) {
            return false;
        }
        Duration d = Duration.ofNanos(remainingNanos);
        String reason = "ejected for " + Units.format(d) + " as " + peer + " saw it";
        listener.returnDueIn(remainingNanos);
        apply(i, reason, false);
        return true;
    }

    /**
     * Returns every backend whose ejection time is over. Returns the
     * nanoseconds until the next ejection ends, or -1 when none is left:
     * the caller runs this again then.
     */
    public synchronized long returnDue() {
        if (retired) {
            return -1;
        }
        long now = clock.getAsLong();
        for (int i : outliers.due(now)) {
            apply(i, "ejection time over", false);
        }
        return outliers.nextDueNanos(now);
    }

    /**
     * Takes {@code backend} out of rotation: no new requests, in-flight ones
     * finish. Repeating is harmless. {@code reason} goes to the log line.
     */
    public synchronized BackendState drain(Backend backend, String reason) {
        if (retired && successor != null) {
            return successor.drain(backend, reason);
        }
        int i = indexOf(backend);
        drained[i] = true;
        apply(i, reason, false);
        return backend.state();
    }

    /** Ends a drain; the backend is up again unless active checks or an ejection say otherwise. */
    public synchronized BackendState enable(Backend backend, String reason) {
        if (retired && successor != null) {
            return successor.enable(backend, reason);
        }
        int i = indexOf(backend);
        drained[i] = false;
        apply(i, reason, false);
        return backend.state();
    }

    /** What the active checks say of {@code backend}; null when the pool has none. */
    public synchronized HealthCheckSession.Status checkStatus(Backend backend) {
        HealthCheckSession s = sessions[indexOf(backend)];
        return s == null ? null : s.status();
    }

    public synchronized boolean drained(Backend backend) {
        return drained[indexOf(backend)];
    }

    /** Remaining ejection of {@code backend} in nanoseconds, 0 when it is not ejected. */
    public synchronized long ejectedForNanos(Backend backend) {
        int i = indexOf(backend);
        return outliers.isEjected(i) ? Math.max(0, outliers.ejectedUntil(i) - clock.getAsLong()) : 0;
    }

    /** Publishes backend {@code i}'s state; {@code first}: its first check result (no slow start then). */
    private void apply(int i, String reason, boolean first) {
        Backend b = backends.get(i);
        BackendState to = effective(i);
        BackendState from = pool.setState(b, to, !first);
        if (from != to || first) {
            listener.stateChanged(new StateChange(pool.name(), b, first ? null : from, to, reason));
        }
    }

    private BackendState effective(int i) {
        if (drained[i]) {
            return BackendState.DRAINING;
        }
        if (sessions[i] != null && sessions[i].status() != HealthCheckSession.Status.UP) {
            return BackendState.DOWN;
        }
        return outliers.isEjected(i) ? BackendState.EJECTED : BackendState.UP;
    }

    private int indexOf(Backend backend) {
        Integer i = index.get(backend);
        if (i == null) {
            throw new IllegalArgumentException(backend + " is not a backend of pool " + pool.name());
        }
        return i;
    }
}
