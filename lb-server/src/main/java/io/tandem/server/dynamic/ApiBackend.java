package io.tandem.server.dynamic;

import io.tandem.config.BackendConfig;
import io.tandem.config.BackendOrigin;
import io.tandem.config.HostPort;

/**
 * A backend the admin API added to a pool, as the state file keeps it.
 *
 * @param stickyId the sticky cookie value naming it, or null for the one derived from its address
 */
public record ApiBackend(HostPort address, int weight, boolean backup, String stickyId) {

    /** Sticky ids the API takes: what fits in a cookie value without quoting, and short. */
    public static final String STICKY_ID_CHARS = "[A-Za-z0-9_.-]{1,64}";

    BackendConfig config() {
        return new BackendConfig(address, weight, backup, BackendOrigin.API, stickyId);
    }
}
