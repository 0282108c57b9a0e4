package io.tandem.core.failover;

import java.util.HashMap;
import java.util.Map;

/**
 * Drops authenticated heartbeats that are not newer than the last one accepted from the same node: a
 * greater boot epoch (the sender restarted) or, within the same epoch, a greater sequence. A captured
 * packet replayed later therefore never moves the state machine.
 *
 * <p>The boot epoch is the sender's wall clock at start, so a node whose clock went back across a restart
 * is refused until this node restarts too; that is logged as {@code replay}. Owned by the heartbeat thread.
 */
public final class ReplayGuard {

    private final Map<String, long[]> last = new HashMap<>();

    /** True if {@code hb} is newer than everything accepted from its node, and records it. */
    public boolean accept(Heartbeat hb) {
        long[] seen = last.get(hb.node());
        if (seen == null) {
            last.put(hb.node(), new long[] {hb.bootEpoch(), hb.sequence()});
            return true;
        }
        boolean newer = hb.bootEpoch() > seen[0] || (hb.bootEpoch() == seen[0] && hb.sequence() > seen[1]);
        if (newer) {
            seen[0] = hb.bootEpoch();
            seen[1] = hb.sequence();
        }
        return newer;
    }
}
