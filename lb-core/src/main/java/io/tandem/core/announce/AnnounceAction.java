package io.tandem.core.announce;

/** What the node must do after an input to {@link AnnounceStateMachine}. */
public enum AnnounceAction {
    /** Nothing. */
    NONE,
    /** Add the route for the VIPs at the routing daemon. */
    ANNOUNCE,
    /** Remove the route for the VIPs from the routing daemon (the node keeps serving). */
    WITHDRAW,
    /** The withdraw wait is over: drain the client connections (for a drain) or go on stopping (for a stop). */
    DRAIN
}
