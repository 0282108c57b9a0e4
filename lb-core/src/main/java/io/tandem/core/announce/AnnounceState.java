package io.tandem.core.announce;

import java.util.Locale;

/** Where an announcing node stands toward the router. */
public enum AnnounceState {
    /** Not ready (starting, or it lost readiness): the route is withdrawn; it is announced once ready. */
    NOT_READY,
    /** Ready and announced: the router sends this node its share of the flows. */
    ANNOUNCED,
    /** Withdrawn for a drain or a stop; still serving while the router stops sending new flows. */
    WITHDRAWING,
    /** Drained by the operator: withdrawn, connections drained; announced again only after enable and ready. */
    DRAINED,
    /** Stopping: withdrawn, the wait is over; the process drains and exits. Final. */
    STOPPED;

    /** The name in /status and metrics. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
