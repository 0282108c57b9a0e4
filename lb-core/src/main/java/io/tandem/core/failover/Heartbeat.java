package io.tandem.core.failover;

/**
 * One heartbeat of a pair member, as sent on the wire (authenticated by {@link HeartbeatCodec}).
 *
 * @param clusterId the pair's id; packets of another pair on the same network are dropped
 * @param node the sender's node name
 * @param priority 1-254, or 0 for a handover (the sender gives up MASTER now)
 * @param advertIntervalMillis the sender's heartbeat interval
 * @param state the sender's role
 * @param vipsHeld whether the sender has its VIPs configured and announced
 * @param bootEpoch when the sender's process started (ms since 1970); orders restarts
 * @param sequence counts the sender's heartbeats within one boot epoch
 * @param ready whether the sender could serve the VIPs now: its data path is warm and its pools have live
 *     backends (a planned handover goes only to a ready peer)
 */
public record Heartbeat(
        int clusterId,
        String node,
        int priority,
        int advertIntervalMillis,
        FailoverState state,
        boolean vipsHeld,
        long bootEpoch,
        long sequence,
        boolean ready) {

    /** A heartbeat of a ready sender. */
    public Heartbeat(int clusterId, String node, int priority, int advertIntervalMillis, FailoverState state,
                     boolean vipsHeld, long bootEpoch, long sequence) {
        this(clusterId, node, priority, advertIntervalMillis, state, vipsHeld, bootEpoch, sequence, true);
    }
}
