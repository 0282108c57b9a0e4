package io.tandem.server.failover;

import io.tandem.core.failover.FailoverState;
import java.time.Instant;

/**
 * The failover view that /status shows: an immutable snapshot the heartbeat thread replaces as a whole.
 *
 * @param master the node this one believes holds the VIPs, or null
 * @param since when the node entered {@code state}
 * @param reason why it did
 * @param peer what the last accepted heartbeat of the peer said, or null if none yet
 */
public record FailoverStatus(
        String node,
        FailoverState state,
        int priority,
        String master,
        boolean vipsHeld,
        Instant since,
        String reason,
        Peer peer) {

    FailoverStatus withPeer(Peer p, String currentMaster) {
        return new FailoverStatus(node, state, priority, currentMaster, vipsHeld, since, reason, p);
    }

    FailoverStatus withVipsHeld(boolean held) {
        return new FailoverStatus(node, state, priority, master, held, since, reason, peer);
    }

    /** The peer as its last heartbeat described itself. */
    public record Peer(String node, FailoverState state, int priority, boolean vipsHeld, Instant seen) {}
}
