package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;

/**
 * Picks a backend for one request from an immutable snapshot of live backends.
 * Called concurrently from every event loop: no locks, no allocation; the only
 * mutation allowed is an atomic counter.
 */
@FunctionalInterface
public interface Picker {

    /** Returns a backend of the snapshot, or null when the snapshot is empty. */
    Backend pick(RequestContext request);
}
