package io.tandem.core.pool;

import io.tandem.core.strategy.BalancingStrategy;
import io.tandem.core.strategy.Picker;
import io.tandem.core.strategy.RequestContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A named pool of backends and its live view.
 *
 * <p>The hot path ({@link #pick}) reads one volatile {@link Picker}, an
 * immutable snapshot of the backends that may take requests. Every change of
 * state or weight rebuilds that snapshot under this pool's lock and publishes
 * it with one write, so a pick never waits and never sees a half-made view.
 * Backups are in the snapshot only while no primary is up.
 */
public final class BackendPool {

    private final String name;
    private final List<Backend> backends;
    private final BalancingStrategy strategy;
    private volatile Picker picker;
    private volatile List<Backend> live;

    public BackendPool(String name, List<Backend> backends, BalancingStrategy strategy) {
        this.name = name;
        this.backends = List.copyOf(backends);
        this.strategy = strategy;
        rebuild();
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

    /** Picks a backend for a request; null when nothing is up (the caller answers 503). */
    public Backend pick(RequestContext request) {
        return picker.pick(request);
    }

    /**
     * Sets a backend's state and republishes the live view. Repeating the same
     * state is harmless. Returns the previous state.
     */
    public synchronized BackendState setState(Backend backend, BackendState state) {
        BackendState old = backend.state();
        if (old != state) {
            backend.state(state);
            rebuild();
        }
        return old;
    }

    /** Sets a backend's current weight (runtime change or slow start) and republishes. */
    public synchronized void setWeight(Backend backend, int weight) {
        if (backend.weight() != weight) {
            backend.weight(weight);
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
        picker = strategy.newPicker(snapshot, picker);
        live = snapshot;
    }
}
