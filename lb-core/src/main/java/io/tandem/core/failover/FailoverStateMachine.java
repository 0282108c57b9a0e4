package io.tandem.core.failover;

import java.time.Duration;

/**
 * The role of one node of a pair, after RFC 5798 (VRRPv3) section 6.4, driven by heartbeats, ticks and the
 * node's own health. Pure: time comes in as {@code now} (nanoseconds of a monotonic clock), decisions go out
 * as {@link Outcome}s; the caller sends heartbeats and moves the VIPs. Confined to the heartbeat thread.
 *
 * <p>Departures from the RFC, each because a pair has exactly two members:
 * <ul>
 *   <li>A node starts as BACKUP (never straight to MASTER): a restarted node must first learn whether its
 *       peer is serving, and it removes a VIP an earlier run left behind.</li>
 *   <li>A priority-0 heartbeat (a handover: the master stops or goes FAULT) makes the backup MASTER at once
 *       instead of after the skew time; there is no third node to race with.</li>
 *   <li>A backup with {@code preempt} that hears a lower-priority master takes over on that heartbeat (after
 *       {@code preempt-delay}) instead of letting its master-down timer run out; the lower master steps
 *       down on the first heartbeat it hears from it.</li>
 *   <li>Ties of priority go to the greater node name (the RFC compares primary IP addresses).</li>
 *   <li>FAULT: while the node's own health says it cannot serve, it holds no VIP and sends heartbeats that
 *       say so; a master going FAULT hands over with priority 0.</li>
 *   <li>Backups send heartbeats too (state BACKUP), so each node sees its peer; only MASTER heartbeats and
 *       handovers move the other node.</li>
 *   <li>Readiness: a node whose data path is not warm or whose pools have no live backend is not ready
 *       ({@link #onReadiness}). It never takes the VIPs from a working master: it does not preempt, and on
 *       a handover it first waits (at most {@link #HANDOVER_READY_WAIT_NANOS}) to be ready. Only when no
 *       master is heard at all does it take over unready.</li>
 *   <li>Hitless steps: a master that yields to a peer which already holds and announced the VIPs (a
 *       preemption, a handover) releases them only after its requests in flight finished
 *       ({@link Transition#graceful()}); a planned handover ({@link #startHandover}) keeps the master
 *       serving, sending priority 0, until the peer holds the VIPs.</li>
 *   <li>A master whose own thread stood still longer than the master-down interval (a frozen process, a
 *       stalled VM) first listens for one advert interval: if the peer took over meanwhile it steps aside
 *       at once, without announcing anything, and does not preempt for {@link #RESUME_SETTLE_NANOS}; only if
 *       no peer claims the VIPs does it re-announce them.</li>
 * </ul>
 */
public final class FailoverStateMachine {

    /** Re-announcing the VIPs runs processes; more often than this does not help clients. */
    static final long REANNOUNCE_MIN_GAP_NANOS = Duration.ofSeconds(1).toNanos();
    /**
     * After stepping aside because it stood still, a node does not preempt for this long: its health checks
     * and warm-up requests first see whether what it knew before the freeze still holds.
     */
    public static final long RESUME_SETTLE_NANOS = Duration.ofSeconds(2).toNanos();
    /** How long a backup that is handed the VIPs while not ready may wait to become ready first. */
    public static final long HANDOVER_READY_WAIT_NANOS = Duration.ofSeconds(5).toNanos();

    private final String node;
    private int priority;
    private long advertNanos;
    private boolean preempt;
    private long preemptDelayNanos;

    private FailoverState state = FailoverState.INIT;
    private long masterAdvertNanos;
    private long masterDownAt;
    private long nextHeartbeatAt;
    private long lowerMasterSince = -1;
    private long lastTickAt;
    private long lastReannounceAt;
    private boolean reannouncedOnce;
    private String faultReason;
    private String masterNode;
    /** Why this node could not serve the VIPs well now, or null when it is ready. */
    private String notReady;
    /** When a handover was first heard while not ready (BACKUP), or -1. */
    private long handoverHeardAt = -1;
    /** A planned handover of this MASTER runs until this deadline, or -1. */
    private long handingOverUntil = -1;
    /** After this node handed the VIPs over on purpose it does not preempt them back, until its peer hands
     * them back, fails, or this node restarts. */
    private boolean preemptHeld;
    /** A MASTER that resumed after standing still: when it noticed, or -1; and how long it stood still. */
    private long resumedAt = -1;
    private long stoodStillNanos;
    /** No preemption before this time (after a step-aside from a stall), or -1. */
    private long preemptNotBefore = -1;

    public FailoverStateMachine(String node, int priority, Duration advertInterval, boolean preempt,
                                Duration preemptDelay) {
        if (priority < 1 || priority > 254) {
            throw new IllegalArgumentException("priority must be 1-254, got " + priority);
        }
        this.node = node;
        this.priority = priority;
        this.advertNanos = advertInterval.toNanos();
        this.preempt = preempt;
        this.preemptDelayNanos = preemptDelay.toNanos();
        this.masterAdvertNanos = advertNanos;
    }

    public FailoverState state() {
        return state;
    }

    public String node() {
        return node;
    }

    public int priority() {
        return priority;
    }

    /** The node the last accepted MASTER heartbeat came from while this node was BACKUP, or null. */
    public String masterNode() {
        return state == FailoverState.MASTER ? node : masterNode;
    }

    /** Whether this node is ready to serve the VIPs (see {@link #onReadiness}). */
    public boolean ready() {
        return notReady == null;
    }

    /** Whether a planned handover of this MASTER is under way. */
    public boolean handingOver() {
        return handingOverUntil >= 0;
    }

    /** Whether this node holds back from preempting because it handed the VIPs over on purpose. */
    public boolean preemptHeld() {
        return preemptHeld;
    }

    /** When {@link #onTick} must run next (a heartbeat is due, the master-down timer runs out, ...). */
    public long nextDeadline() {
        long due = nextHeartbeatAt;
        if (state == FailoverState.BACKUP) {
            due = Math.min(due, masterDownAt);
            if (handoverHeardAt >= 0) {
                due = Math.min(due, handoverHeardAt + HANDOVER_READY_WAIT_NANOS);
            }
        }
        if (state == FailoverState.MASTER && resumedAt >= 0) {
            return resumedAt + advertNanos; // silent while it listens
        }
        if (state == FailoverState.MASTER && handingOverUntil >= 0) {
            due = Math.min(due, handingOverUntil);
        }
        return due;
    }

    /** RFC 5798: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256. */
    long skewNanos() {
        return (256 - priority) * masterAdvertNanos / 256;
    }

    /** RFC 5798: Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time. */
    long masterDownNanos() {
        return 3 * masterAdvertNanos + skewNanos();
    }

    /** INIT -> BACKUP (or FAULT if tracking already says so). */
    public Outcome start(long now) {
        if (state != FailoverState.INIT) {
            return Outcome.NONE;
        }
        lastTickAt = now;
        masterAdvertNanos = advertNanos;
        masterDownAt = now + masterDownNanos();
        if (faultReason != null) {
            return move(FailoverState.FAULT, "started; " + faultReason, now, Send.HEARTBEAT);
        }
        return move(FailoverState.BACKUP, "started; waiting " + millis(masterDownNanos()) + " for a master",
                now, Send.HEARTBEAT);
    }

    /** A heartbeat of the peer that passed authentication and the replay check. */
    public Outcome onHeartbeat(Heartbeat hb, long now) {
        if (hb.node().equals(node)) {
            return Outcome.NONE;
        }
        noticeStall(now);
        if (hb.priority() == 0) {
            return onHandover(hb, now);
        }
        if (hb.state() != FailoverState.MASTER) {
            return Outcome.NONE;
        }
        boolean peerWins = hb.priority() > priority || (hb.priority() == priority && hb.node().compareTo(node) > 0);
        switch (state) {
            case BACKUP:
                handoverHeardAt = -1;
                boolean settling = preemptNotBefore >= 0 && now - preemptNotBefore < 0;
                if (!preempt || peerWins || preemptHeld || notReady != null || settling) {
                    if (lowerMasterSince < 0 && !peerWins && preempt) {
                        lowerMasterSince = now;
                    }
                    acceptMaster(hb, now);
                    return Outcome.NONE;
                }
                if (lowerMasterSince < 0) {
                    lowerMasterSince = now;
                }
                if (now - lowerMasterSince >= preemptDelayNanos) {
                    return move(FailoverState.MASTER, "preempting lower-priority master " + hb.node() + " ("
                            + hb.priority() + " < " + priority + ")", now, Send.HEARTBEAT);
                }
                // Within preempt-delay the lower master keeps serving and keeps this node's timer fed.
                acceptMaster(hb, now);
                return Outcome.NONE;
            case MASTER:
                if (resumedAt >= 0 && hb.vipsHeld()) {
                    // The peer took over while this node stood still: clients follow the peer already.
                    acceptMaster(hb, now);
                    Outcome aside = move(FailoverState.BACKUP, "peer " + hb.node() + " took over while this node stood "
                            + "still for " + millis(stoodStillNanos), now, Send.HEARTBEAT, false);
                    preemptNotBefore = now + RESUME_SETTLE_NANOS;
                    return aside;
                }
                if (handingOverUntil >= 0 && hb.vipsHeld()) {
                    acceptMaster(hb, now);
                    preemptHeld = true;
                    return move(FailoverState.BACKUP, "handed over to " + hb.node(), now, Send.HEARTBEAT, true);
                }
                if (peerWins) {
                    acceptMaster(hb, now);
                    return move(FailoverState.BACKUP, "heard master " + hb.node() + " with "
                            + (hb.priority() > priority ? "higher priority " + hb.priority() + " > " + priority
                                    : "equal priority and greater name"), now, Send.HEARTBEAT, hb.vipsHeld());
                }
                // Split brain: tell the other master now so it steps down within one heartbeat, and win the
                // clients' ARP caches back from it.
                return new Outcome(null, Send.HEARTBEAT, reannounce(now));
            default:
                return Outcome.NONE;
        }
    }

    private Outcome onHandover(Heartbeat hb, long now) {
        switch (state) {
            case BACKUP:
                // The peer gives the VIPs up: it no longer wants them, so holding back from them ends.
                preemptHeld = false;
                masterNode = hb.node();
                masterDownAt = now + masterDownNanos();
                if (notReady == null) {
                    return move(FailoverState.MASTER, "peer " + hb.node() + " handed over (priority 0)", now,
                            Send.HEARTBEAT);
                }
                // The peer serves until this node says it holds the VIPs: get ready first, for a while.
                if (handoverHeardAt < 0) {
                    handoverHeardAt = now;
                }
                return Outcome.NONE;
            case MASTER:
                // RFC 5798: a master hearing priority 0 sends an advertisement at once.
                return new Outcome(null, Send.HEARTBEAT, false);
            default:
                return Outcome.NONE;
        }
    }

    /**
     * This node's readiness to serve the VIPs: null when its data path is warm and its pools have live
     * backends, else why not. A backup handed the VIPs while not ready takes them as soon as it is.
     */
    public Outcome onReadiness(String reason, long now) {
        notReady = reason;
        if (reason == null && state == FailoverState.BACKUP && handoverHeardAt >= 0) {
            return move(FailoverState.MASTER, "peer " + masterNode + " handed over (priority 0); ready after "
                    + millis(now - handoverHeardAt), now, Send.HEARTBEAT);
        }
        return Outcome.NONE;
    }

    /**
     * A planned handover of this MASTER (the admin API): it keeps the VIPs and serves, sending priority 0,
     * until the peer holds them (then BACKUP, without preempting back) or until {@code wait} passes (then it
     * stays MASTER). Returns why it cannot start, or null when it started.
     */
    public String startHandover(Duration wait, long now) {
        if (state != FailoverState.MASTER) {
            return "this node is " + state + ", not MASTER";
        }
        handingOverUntil = now + wait.toNanos();
        nextHeartbeatAt = now;
        return null;
    }

    private void acceptMaster(Heartbeat hb, long now) {
        masterNode = hb.node();
        masterAdvertNanos = Duration.ofMillis(Math.max(1, hb.advertIntervalMillis())).toNanos();
        masterDownAt = now + masterDownNanos();
        if (preempt && (hb.priority() > priority || (hb.priority() == priority && hb.node().compareTo(node) > 0))) {
            lowerMasterSince = -1;
        }
    }

    /**
     * A MASTER whose thread stood still longer than the master-down interval listens before it speaks. A
     * BACKUP whose thread stood still that long did not watch the master meanwhile: what stalled it (a JVM
     * safepoint, a starved host) may have held up the master's heartbeats too, so it listens one more
     * interval before it declares the master dead.
     */
    private void noticeStall(long now) {
        long still = now - lastTickAt;
        lastTickAt = now;
        if (state == FailoverState.MASTER && still > masterDownNanos()) {
            resumedAt = now;
            stoodStillNanos = still;
        }
        if (state == FailoverState.BACKUP && still > masterDownNanos() && masterDownAt - (now + masterAdvertNanos) < 0) {
            masterDownAt = now + masterAdvertNanos;
        }
    }

    /** Time passes: the master-down timer may run out, a heartbeat may be due. */
    public Outcome onTick(long now) {
        if (state == FailoverState.INIT) {
            return Outcome.NONE;
        }
        noticeStall(now);
        if (state == FailoverState.BACKUP && now - masterDownAt >= 0) {
            return move(FailoverState.MASTER, "no heartbeat from " + (masterNode == null ? "a master" : masterNode)
                    + " for " + millis(masterDownNanos()), now, Send.HEARTBEAT);
        }
        if (state == FailoverState.BACKUP && handoverHeardAt >= 0
                && now - handoverHeardAt >= HANDOVER_READY_WAIT_NANOS) {
            return move(FailoverState.MASTER, "peer " + masterNode + " handed over (priority 0); still not ready ("
                    + notReady + ") after " + millis(now - handoverHeardAt) + ", taking over anyway", now,
                    Send.HEARTBEAT);
        }
        if (state == FailoverState.MASTER && resumedAt >= 0) {
            if (now - resumedAt < advertNanos) {
                return Outcome.NONE; // listening: a peer that took over says so within one interval
            }
            // Nobody claimed the VIPs meanwhile; clients may have learnt another address: win them back.
            resumedAt = -1;
            nextHeartbeatAt = now + advertNanos;
            return new Outcome(null, Send.HEARTBEAT, reannounce(now));
        }
        if (state == FailoverState.MASTER && handingOverUntil >= 0 && now - handingOverUntil >= 0) {
            // The peer did not take over in time: this node goes on as the master it still is.
            handingOverUntil = -1;
            nextHeartbeatAt = now + advertNanos;
            return new Outcome(null, Send.HEARTBEAT, false);
        }
        Send send = Send.NONE;
        if (now - nextHeartbeatAt >= 0) {
            nextHeartbeatAt = now + advertNanos;
            send = handingOverUntil >= 0 ? Send.HANDOVER : Send.HEARTBEAT;
        }
        return send == Send.NONE ? Outcome.NONE : new Outcome(null, send, false);
    }

    /**
     * The node's own health: null when it can serve, else why not. MASTER or BACKUP -> FAULT on a reason
     * (a master hands over with priority 0); FAULT -> BACKUP when it clears. Repeating a value is harmless.
     */
    public Outcome onTracking(String reason, long now) {
        String before = faultReason;
        faultReason = reason;
        if (reason != null && (state == FailoverState.MASTER || state == FailoverState.BACKUP)) {
            Send send = state == FailoverState.MASTER ? Send.HANDOVER : Send.HEARTBEAT;
            return move(FailoverState.FAULT, reason, now, send);
        }
        if (reason == null && state == FailoverState.FAULT) {
            masterAdvertNanos = advertNanos;
            masterDownAt = now + masterDownNanos();
            lowerMasterSince = -1;
            return move(FailoverState.BACKUP, "recovered from: " + before, now, Send.HEARTBEAT);
        }
        return Outcome.NONE;
    }

    /**
     * A reload changed this node's own settings. The role stays: a BACKUP's
     * master-down timer restarts (with the new skew), so the change itself can
     * never look like a silent master; the new priority is announced at once,
     * and the peer's preemption rules decide from the next heartbeats, as they
     * would for a node started with these settings. Repeating is harmless.
     */
    public Outcome reconfigure(int priority, Duration advertInterval, boolean preempt, Duration preemptDelay,
                               long now) {
        if (priority < 1 || priority > 254) {
            throw new IllegalArgumentException("priority must be 1-254, got " + priority);
        }
        this.priority = priority;
        this.advertNanos = advertInterval.toNanos();
        this.preempt = preempt;
        this.preemptDelayNanos = preemptDelay.toNanos();
        lowerMasterSince = -1;
        if (state == FailoverState.INIT) {
            masterAdvertNanos = advertNanos;
            return Outcome.NONE;
        }
        if (state == FailoverState.MASTER) {
            masterAdvertNanos = advertNanos;
        }
        if (state == FailoverState.BACKUP) {
            masterDownAt = now + masterDownNanos();
        }
        nextHeartbeatAt = now + advertNanos;
        return new Outcome(null, Send.HEARTBEAT, false);
    }

    /** Clean stop: -> INIT; a master hands over with a priority-0 heartbeat. */
    public Outcome shutdown(long now) {
        if (state == FailoverState.INIT) {
            return Outcome.NONE;
        }
        Send send = state == FailoverState.MASTER ? Send.HANDOVER : Send.NONE;
        return move(FailoverState.INIT, "shutting down", now, send);
    }

    private boolean reannounce(long now) {
        if (reannouncedOnce && now - lastReannounceAt < REANNOUNCE_MIN_GAP_NANOS) {
            return false;
        }
        reannouncedOnce = true;
        lastReannounceAt = now;
        return true;
    }

    private Outcome move(FailoverState to, String reason, long now, Send send) {
        return move(to, reason, now, send, false);
    }

    private Outcome move(FailoverState to, String reason, long now, Send send, boolean graceful) {
        FailoverState from = state;
        state = to;
        lowerMasterSince = -1;
        handoverHeardAt = -1;
        handingOverUntil = -1;
        resumedAt = -1;
        if (to == FailoverState.MASTER || to == FailoverState.FAULT) {
            preemptHeld = false;
            preemptNotBefore = -1;
        }
        if (to == FailoverState.MASTER) {
            masterNode = null;
        }
        if (send != Send.NONE) {
            nextHeartbeatAt = now + advertNanos;
        }
        return new Outcome(new Transition(from, to, reason, graceful), send, false);
    }

    private static String millis(long nanos) {
        return (nanos / 1_000_000) + "ms";
    }

    /** What to send now. */
    public enum Send {
        NONE,
        /** A heartbeat with this node's priority and new state. */
        HEARTBEAT,
        /** A priority-0 heartbeat: the peer should take over at once. */
        HANDOVER
    }

    /**
     * A role change with its reason, for the log line and the metrics.
     *
     * @param graceful the node leaves MASTER to a peer that already holds and announced the VIPs: it keeps
     *     them until its requests in flight finished, so that no answer is cut off
     */
    public record Transition(FailoverState from, FailoverState to, String reason, boolean graceful) {

        public Transition(FailoverState from, FailoverState to, String reason) {
            this(from, to, reason, false);
        }
    }

    /**
     * What the caller must do: apply a transition (VIPs, notify, log), send a heartbeat, re-announce the
     * VIPs with gratuitous ARP.
     */
    public record Outcome(Transition transition, Send send, boolean reannounce) {
        public static final Outcome NONE = new Outcome(null, Send.NONE, false);
    }
}
