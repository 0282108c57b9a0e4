package io.tandem.server.proxy;

import io.tandem.core.pool.Backend;

/** Control-plane access to the per-event-loop connection pools; call on the event loop whose pool it is. */
public final class BackendConnectionsControl {

    private BackendConnectionsControl() {}

    /** Closes the calling event loop's idle connections to {@code backend}. */
    public static void closeIdle(Backend backend) {
        BackendConnections.current().closeAll(backend);
    }
}
