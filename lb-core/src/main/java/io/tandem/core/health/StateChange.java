package io.tandem.core.health;

import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;

/**
 * A backend's state changed.
 *
 * @param from   the state before, or null when this is the backend's first check result
 * @param reason why, in words for the log: "3 consecutive checks failed (last: connection refused)"
 */
public record StateChange(String pool, Backend backend, BackendState from, BackendState to, String reason) {

    /** The previous state as the log writes it. */
    public String fromLabel() {
        return from == null ? "unchecked" : from.label();
    }
}
