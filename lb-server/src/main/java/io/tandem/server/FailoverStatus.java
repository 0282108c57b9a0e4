package io.tandem.server;

/**
 * What the admin API and status page show of this node's place in a failover
 * pair: an immutable snapshot, asked for whenever /status is built.
 *
 * @param role      {@code standalone} without a failover section, {@code announce} for a node of
 *                  {@code failover.mode: announce} (its state is in /status {@code announce}), else the
 *                  failover state machine's role in lower case (master, backup, fault)
 * @param node      this node's name, null when standalone
 * @param priority  this node's priority, 0 when standalone
 * @param peer      the peer's heartbeat address, null when standalone
 * @param peerRole  the role the peer announced last, null when not heard (or standalone)
 * @param master    the node this one believes holds the VIPs, null if none or standalone
 * @param vipsHeld  whether this node has its VIPs configured and announced
 * @param since     when this node entered its role (ISO-8601), null when standalone
 * @param reason    why it did (the transition's log reason), null when standalone
 * @param peerSeen  when the peer's last accepted heartbeat arrived (ISO-8601), null if never
 * @param ready     whether this node could take the VIPs over well now (data path warm, live backends)
 * @param notReady  why not, null when ready
 * @param peerReady what the peer's last heartbeat said of its readiness, null when not heard
 * @param handingOver whether a planned handover of this master is under way
 * @param preemptHeld whether this node holds back from preempting since it handed the VIPs over on purpose
 */
public record FailoverStatus(String role, String node, int priority, String peer, String peerRole,
                             String master, boolean vipsHeld, String since, String reason, String peerSeen,
                             boolean ready, String notReady, Boolean peerReady, boolean handingOver,
                             boolean preemptHeld) {

    /** A node without a failover section. */
    public static final FailoverStatus STANDALONE = new FailoverStatus("standalone", null, 0, null, null,
            null, false, null, null, null, true, null, null, false, false);
}
