package io.tandem.config;

import java.time.Duration;
import java.util.List;

/**
 * Active/passive pairing of two Tandem nodes around virtual IPs.
 *
 * @param priority       1-254, higher wins
 * @param peer           the other node's heartbeat address; null when heartbeats go to {@code multicast}
 * @param authKeyFile    absolute path of the pair key (64 hex characters)
 * @param notifyScript   script called with MASTER, BACKUP or FAULT; null for none
 * @param clusterId      1-255; both nodes of a pair use the same id, other pairs on the network another
 * @param preemptDelay   how long a higher-priority node waits before it takes the VIP back
 * @param track          the node's own health that makes it step down (FAULT)
 * @param multicast      group address heartbeats are sent to instead of {@code peer}; null for unicast
 * @param mode           pair (the keys above) or announce (the top-level {@code announce} section; of this
 *                       section only {@code node} and {@code warm-up} apply)
 * @param stateSync      runtime changes (drain, enable, weight, added and removed backends) and outlier
 *                       ejections are shared with the peer over TCP on the heartbeat port numbers
 */
public record FailoverConfig(
        String node,
        int priority,
        HostPort bind,
        HostPort peer,
        Duration advertInterval,
        String authKeyFile,
        boolean preempt,
        List<VipConfig> vips,
        String notifyScript,
        int clusterId,
        Duration preemptDelay,
        TrackConfig track,
        HostPort multicast,
        WarmUpConfig warmUp,
        FailoverMode mode,
        boolean stateSync) {

    public FailoverConfig {
        vips = List.copyOf(vips);
    }

    /** A pair (the settings before {@code mode}) that does not share its runtime state. */
    public FailoverConfig(String node, int priority, HostPort bind, HostPort peer, Duration advertInterval,
                          String authKeyFile, boolean preempt, List<VipConfig> vips, String notifyScript,
                          int clusterId, Duration preemptDelay, TrackConfig track, HostPort multicast,
                          WarmUpConfig warmUp) {
        this(node, priority, bind, peer, advertInterval, authKeyFile, preempt, vips, notifyScript, clusterId,
                preemptDelay, track, multicast, warmUp, FailoverMode.PAIR, false);
    }

    /** A node in {@code mode} that does not share its runtime state. */
    public FailoverConfig(String node, int priority, HostPort bind, HostPort peer, Duration advertInterval,
                          String authKeyFile, boolean preempt, List<VipConfig> vips, String notifyScript,
                          int clusterId, Duration preemptDelay, TrackConfig track, HostPort multicast,
                          WarmUpConfig warmUp, FailoverMode mode) {
        this(node, priority, bind, peer, advertInterval, authKeyFile, preempt, vips, notifyScript, clusterId,
                preemptDelay, track, multicast, warmUp, mode, false);
    }

    /** A pair that shares its runtime state with its peer or not. */
    public FailoverConfig(String node, int priority, HostPort bind, HostPort peer, Duration advertInterval,
                          String authKeyFile, boolean preempt, List<VipConfig> vips, String notifyScript,
                          int clusterId, Duration preemptDelay, TrackConfig track, HostPort multicast,
                          WarmUpConfig warmUp, boolean stateSync) {
        this(node, priority, bind, peer, advertInterval, authKeyFile, preempt, vips, notifyScript, clusterId,
                preemptDelay, track, multicast, warmUp, FailoverMode.PAIR, stateSync);
    }

    /** Whether this node announces its VIPs by BGP (N active nodes) instead of pairing. */
    public boolean announces() {
        return mode == FailoverMode.ANNOUNCE;
    }

    /** A unicast pair with the defaults of the settings added after the first model. */
    public FailoverConfig(String node, int priority, HostPort bind, HostPort peer, Duration advertInterval,
                          String authKeyFile, boolean preempt, List<VipConfig> vips, String notifyScript) {
        this(node, priority, bind, peer, advertInterval, authKeyFile, preempt, vips, notifyScript,
                Defaults.FAILOVER_CLUSTER_ID, Defaults.PREEMPT_DELAY, TrackConfig.DEFAULT, null, WarmUpConfig.DEFAULT);
    }

    /**
     * How the node keeps its data path ready to take the VIPs over (the warm standby).
     *
     * @param requests requests sent through the node's own data path at start, before it calls itself ready
     *     (0: no warm-up; the node is ready once its pools have live backends)
     * @param interval then one request per I/O thread and pool this often (zero: none)
     */
    public record WarmUpConfig(int requests, Duration interval) {

        public static final WarmUpConfig DEFAULT = new WarmUpConfig(Defaults.WARM_UP_REQUESTS,
                Defaults.WARM_UP_INTERVAL);
    }

    /** A virtual IP with prefix length on an interface, e.g. 10.0.0.100/24 on eth0. */
    public record VipConfig(String address, String iface) {}

    /**
     * What makes a node demote itself to FAULT and release the VIP.
     *
     * @param noBackendUp    no backend is up in any pool
     * @param listenerFailed a listener could not bind or stopped accepting
     */
    public record TrackConfig(boolean noBackendUp, boolean listenerFailed) {

        public static final TrackConfig DEFAULT = new TrackConfig(Defaults.TRACK_NO_BACKEND_UP,
                Defaults.TRACK_LISTENER_FAILED);
    }
}
