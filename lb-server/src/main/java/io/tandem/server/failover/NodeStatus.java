package io.tandem.server.failover;

import io.tandem.core.failover.FailoverState;
import java.time.Instant;

/**
 * This node's failover view: an immutable snapshot the heartbeat thread replaces as a whole, read by
 * /status (through {@link io.tandem.server.FailoverStatus}) and by the handover.
 *
 * @param master the node this one believes holds the VIPs, or null
 * @param since when the node entered {@code state}
 * @param reason why it did
 * @param peer what the last accepted heartbeat of the peer said, or null if none yet
 */
record NodeStatus(
        String node,
        FailoverState state,
        int priority,
        String master,
        boolean vipsHeld,
        Instant since,
        String reason,
        Peer peer) {

    NodeStatus withPeer(Peer p, String currentMaster) {
        return new NodeStatus(node, state, priority, currentMaster, vipsHeld, since, reason, p);
    }

    NodeStatus withVipsHeld(boolean held) {
        return new NodeStatus(node, state, priority, master, held, since, reason, peer);
    }

    /** The peer as its last heartbeat described itself. */
    record Peer(String node, FailoverState state, int priority, boolean vipsHeld, boolean ready, Instant seen) {}
}
