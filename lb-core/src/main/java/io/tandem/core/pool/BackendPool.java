package io.tandem.core.pool;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A named pool of backends and its live view.
 *
 * <p>The live view ({@link #live()}) is an immutable snapshot of the
 * backends that may take requests. Every change of state or weight rebuilds
 * that snapshot under this pool's lock and publishes it with one write, so a
 * reader never waits and never sees a half-made view. Backups are in the
 * snapshot only while no primary is up.
 *
 * <p>The pool knows nothing of balancing: whoever picks from it (the
 * strategy side's {@code Balancer}) {@linkplain #watchLive watches} the
 * snapshots and builds what it picks from out of each one. So health, admin
 * and reload change a pool without depending on strategies.
 *
 * <p>Slow start: a backend that turns UP (whoever marks it: health checks,
 * the admin API, outlier detection ending) starts a ramp of its effective
 * weight; {@link #updateSlowStart()}, called periodically by the server,
 * advances it. Time comes from the injected clock.
 */
public final class BackendPool {

    private final String name;
    private final List<Backend> backends;
    private final SlowStart slowStart;
    private final LongSupplier nanoClock;
    /** Guarded by this pool's lock. */
    private final List<Consumer<List<Backend>>> watchers = new ArrayList<>();
    private volatile List<Backend> live;

    public BackendPool(String name, List<Backend> backends) {
        this(name, backends, SlowStart.none(), System::nanoTime);
    }

    /**
     * @param slowStart how backends that come back UP are ramped
     * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    public BackendPool(String name, List<Backend> backends, SlowStart slowStart, LongSupplier nanoClock) {
        this.name = name;
        this.backends = List.copyOf(backends);
        this.slowStart = slowStart;
        this.nanoClock = nanoClock;
        // Backends carried over by a reload keep their ramp if this pool has
        // slow start too, and are at full weight at once if it has not.
        long now = nanoClock.getAsLong();
        for (Backend b : this.backends) {
            if (!slowStart.enabled()) {
                b.rampStartNanos(Long.MIN_VALUE);
            }
            b.effectiveWeight(effectiveWeight(b, now));
        }
        rebuild();
    }

    public SlowStart slowStart() {
        return slowStart;
    }

    public String name() {
        return name;
    }

    /** Every backend of the pool, in config order, whatever its state. */
    public List<Backend> backends() {
        return backends;
    }

    public Backend backend(String id) {
        for (Backend b : backends) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        return null;
    }

    /** The backends that take new requests now (primaries, or backups when no primary is up). */
    public List<Backend> live() {
        return live;
    }

    /**
     * The live backend a sticky-session cookie names ({@link Backend#stickyId()}),
     * or null when none does: unknown value, or that backend is not taking
     * requests now (down, draining, ejected, or a backup while a primary is up).
     */
    public Backend stickyBackend(CharSequence stickyId) {
        if (stickyId == null) {
            return null;
        }
        for (Backend b : live) {
            if (b.stickyId().contentEquals(stickyId)) {
                return b;
            }
        }
        return null;
    }

    /**
     * Calls {@code watcher} with the live view now and with each new one
     * after, under this pool's lock: it sees every snapshot, in order, and
     * none while it handles another. It must be quick and must not call back
     * into the pool's setters.
     */
    public synchronized void watchLive(Consumer<List<Backend>> watcher) {
        watchers.add(watcher);
        watcher.accept(live);
    }

    /**
     * Sets a backend's state and republishes the live view. Repeating the same
     * state is harmless. A change to UP starts the backend's slow-start ramp
     * when the pool has one. Returns the previous state.
     */
    public synchronized BackendState setState(Backend backend, BackendState state) {
        return setState(backend, state, true);
    }

    /**
     * As {@link #setState(Backend, BackendState)}; with {@code ramp} false a
     * backend that goes UP takes its full weight at once. Health uses that
     * for a backend's first check, like HAProxy, which never slow-starts a
     * server it has not seen failing.
     */
    public synchronized BackendState setState(Backend backend, BackendState state, boolean ramp) {
        BackendState old = backend.state();
        if (old != state) {
            backend.state(state);
            if (state == BackendState.UP && slowStart.enabled() && ramp) {
                backend.rampStartNanos(nanoClock.getAsLong());
            } else if (state != BackendState.UP) {
                backend.rampStartNanos(Long.MIN_VALUE);
            }
            backend.effectiveWeight(effectiveWeight(backend, nanoClock.getAsLong()));
            rebuild();
        }
        return old;
    }

    /**
     * Starts {@code backend}'s slow-start ramp now if the pool has slow start
     * and the backend is UP (a backend added to a running pool, which takes
     * traffic at once when the pool has no active checks). Repeating restarts the ramp.
     */
    public synchronized void startRamp(Backend backend) {
        if (slowStart.enabled() && backend.state() == BackendState.UP) {
            backend.rampStartNanos(nanoClock.getAsLong());
            backend.effectiveWeight(effectiveWeight(backend, nanoClock.getAsLong()));
            rebuild();
        }
    }

    /**
     * Sets a backend's weight (0 to 1000 as in the config; 0 takes it out of
     * rotation) and republishes. A backend in slow start keeps ramping towards
     * the new weight. Repeating the same weight is harmless.
     */
    public synchronized void setWeight(Backend backend, int weight) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight " + weight + " is negative");
        }
        if (backend.weight() != weight) {
            backend.weight(weight);
            backend.effectiveWeight(effectiveWeight(backend, nanoClock.getAsLong()));
            rebuild();
        }
    }

    /**
     * Applies a new configured weight (a reload changed it): both the target
     * weight and the current one, then republishes.
     */
    public synchronized void setConfiguredWeight(Backend backend, int weight) {
        backend.configuredWeight(weight);
        setWeight(backend, weight);
    }

    /**
     * Advances the slow-start ramps to the clock's current time and republishes
     * the live view if a weight changed. Safe to call at any rate; the server
     * calls it every {@link SlowStart#tickNanos()}. Returns how many backends
     * are still ramping.
     */
    public synchronized int updateSlowStart() {
        if (!slowStart.enabled()) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        boolean changed = false;
        int ramping = 0;
        for (Backend b : backends) {
            if (b.rampStartNanos() == Long.MIN_VALUE) {
                continue;
            }
            int w = effectiveWeight(b, now);
            if (slowStart.finished(now - b.rampStartNanos())) {
                b.rampStartNanos(Long.MIN_VALUE);
            } else {
                ramping++;
            }
            if (w != b.effectiveWeight()) {
                b.effectiveWeight(w);
                changed = true;
            }
        }
        if (changed) {
            rebuild();
        }
        return ramping;
    }

    private int effectiveWeight(Backend b, long now) {
        int full = b.weight() * Backend.WEIGHT_SCALE;
        if (b.rampStartNanos() == Long.MIN_VALUE) {
            return full;
        }
        return slowStart.weightAt(full, now - b.rampStartNanos());
    }

    private synchronized void rebuild() {
        List<Backend> up = new ArrayList<>();
        for (Backend b : backends) {
            if (!b.backup() && b.state() == BackendState.UP && b.weight() > 0) {
                up.add(b);
            }
        }
        if (up.isEmpty()) {
            for (Backend b : backends) {
                if (b.backup() && b.state() == BackendState.UP && b.weight() > 0) {
                    up.add(b);
                }
            }
        }
        List<Backend> snapshot = Collections.unmodifiableList(up);
        for (Consumer<List<Backend>> watcher : watchers) {
            watcher.accept(snapshot);
        }
        live = snapshot;
    }
}
