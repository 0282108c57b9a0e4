package io.tandem.server.failover;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.config.FailoverConfig;
import io.tandem.core.failover.FailoverState;
import io.tandem.core.failover.FailoverStateMachine;
import io.tandem.core.failover.FailoverStateMachine.Outcome;
import io.tandem.core.failover.FailoverStateMachine.Send;
import io.tandem.core.failover.FailoverStateMachine.Transition;
import io.tandem.core.failover.Heartbeat;
import io.tandem.core.failover.HeartbeatCodec;
import io.tandem.core.failover.ReplayGuard;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a failover pair: sends and receives heartbeats, drives the {@link FailoverStateMachine},
 * and hands role changes to the {@link VipController}.
 *
 * <p>Everything runs on one dedicated thread ({@code tandem-failover}: maximum Java priority, real-time
 * scheduling where allowed, see {@link RealtimePriority}) with a plain {@link DatagramChannel} and a
 * {@link Selector}: no Netty event loop is shared with the proxy, so a busy proxy loop cannot delay a
 * heartbeat. The thread allocates little per heartbeat (the decoded record, the status snapshot). Other
 * threads only read the published {@link NodeStatus} or ask for {@link #stop()} and {@link #close()}.
 */
public final class FailoverNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FailoverNode.class);
    /**
     * How long a stopping master keeps its VIPs while waiting for the peer to announce it took them: the
     * peer's wait to be ready ({@link FailoverStateMachine#HANDOVER_READY_WAIT_NANOS}) and a margin.
     */
    private static final Duration HANDOVER_WAIT = Duration.ofSeconds(7);
    /** A stopping master hands over to a peer heard within this (or 3 adverts, if longer). */
    private static final Duration PEER_ALIVE_FOR_HANDOVER = Duration.ofSeconds(1);
    /** How long a planned handover through the admin API may take before the master stays master. */
    static final Duration PLANNED_HANDOVER_WAIT = Duration.ofSeconds(5);
    /** After the peer says it holds the VIPs: time for its gratuitous ARP to reach the clients. */
    private static final Duration HANDOVER_LINGER = Duration.ofMillis(100);

    /** The settings in force; replaced on the heartbeat thread when a reload changes them. */
    private volatile FailoverConfig config;
    /** Settings a reload asked for, picked up by the heartbeat thread; null when none is waiting. */
    private volatile FailoverConfig pending;
    private final Supplier<String> tracking;
    private final Supplier<String> readiness;
    private final FailoverStateMachine machine;
    private final FailoverMeters meters;
    private final VipController vips;
    private final ReplayGuard replay = new ReplayGuard();
    private final ByteBuffer out = ByteBuffer.allocateDirect(HeartbeatCodec.MAX_SIZE);
    private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
    private final long bootEpoch = System.currentTimeMillis();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private HeartbeatCodec codec;
    private DatagramChannel channel;
    private volatile Selector selector;
    private InetSocketAddress peer;
    private Thread thread;
    /** The heartbeat thread's Linux thread id, which it tells once it runs (for {@link RealtimePriority}). */
    private final CompletableFuture<String> threadId = new CompletableFuture<>();
    private long sequence;
    private long lastPeerHeartbeatAt = Long.MIN_VALUE;
    private volatile NodeStatus status;
    /** The machine's readiness and handover flags, published by the heartbeat thread for /status. */
    private volatile String notReady = "starting";
    private volatile boolean handingOver;
    private volatile boolean preemptHeld;
    private volatile boolean stopping;
    private boolean masterHeartbeatPending;
    /**
     * When the machine was last given the time (heartbeat thread only). Every input reads the clock afresh,
     * so a thread frozen anywhere in an iteration (docker pause freezes it wherever it runs) shows the
     * machine the stall at its next input instead of deciding on the time before the freeze.
     */
    private long decidedAt;
    /** A planned handover the admin API asked for, picked up by the heartbeat thread; null when none. */
    private final AtomicReference<CompletableFuture<Handover>> handoverAsked = new AtomicReference<>();
    /** The planned handover under way (heartbeat thread only), or null. */
    private CompletableFuture<Handover> handoverRunning;
    private long handoverStartedAt;

    /**
     * @param tracking the node's own health, read on the heartbeat thread each heartbeat: null when it can
     *     serve, else the reason it cannot (then FAULT)
     * @param readiness whether it could take the VIPs over well, read likewise: null when its data path is
     *     warm and its pools have live backends, else why not (it then does not take the VIPs from a
     *     working master; see {@link FailoverStateMachine#onReadiness})
     * @param inFlight the node's requests in flight, which a graceful step-down waits for
     */
    public FailoverNode(FailoverConfig config, MeterRegistry registry, Supplier<String> tracking,
                        Supplier<String> readiness, IntSupplier inFlight) {
        this.config = config;
        this.tracking = tracking;
        this.readiness = readiness;
        this.machine = new FailoverStateMachine(config.node(), config.priority(), config.advertInterval(),
                config.preempt(), config.preemptDelay());
        this.meters = new FailoverMeters(registry, config.node(), () -> status.state());
        this.vips = new VipController(config.vips(), config.notifyScript(), meters, this::wakeUp, inFlight);
        this.status = new NodeStatus(config.node(), FailoverState.INIT, config.priority(), null, false,
                Instant.now(), "not started", null);
        // The machine is the heartbeat thread's; the gauge reads what that thread published.
        Gauge.builder("tandem_failover_ready", () -> notReady == null ? 1 : 0)
                .description("1 while this node is ready to take the VIPs over: its data path is warm and its "
                        + "pools have live backends")
                .tag("node", config.node()).register(registry);
    }

    /** The outcome of a planned handover: who holds the VIPs now, or why this node still does. */
    public record Handover(boolean done, String detail, long millis) {}

    /**
     * Asks for a planned handover (the admin API): the peer, if alive and ready, takes the VIPs while this
     * MASTER keeps serving; this node then steps down after its requests in flight and does not preempt the
     * VIPs back until the peer hands them back. Completes when the peer holds the VIPs, or with the reason
     * nothing changed.
     */
    public CompletableFuture<Handover> handover() {
        CompletableFuture<Handover> f = new CompletableFuture<>();
        if (!handoverAsked.compareAndSet(null, f)) {
            f.complete(new Handover(false, "a handover is already under way", 0));
            return f;
        }
        wakeUp();
        return f;
    }

    /** Wakes the heartbeat thread (readiness changed, a handover is asked for). */
    public void wakeUp() {
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /** Whether this node is MASTER now (it serves the VIPs). */
    public boolean master() {
        return status.state() == FailoverState.MASTER;
    }

    /** This node's view; replaced as a whole on every change. */
    NodeStatus status() {
        NodeStatus s = status;
        return s.withVipsHeld(s.state() == FailoverState.MASTER && vips.held());
    }

    /** What /status shows of this node's failover. */
    public io.tandem.server.FailoverStatus adminStatus() {
        NodeStatus s = status();
        String peerAddress = config.multicast() != null ? config.multicast().toString() : config.peer().toString();
        return new io.tandem.server.FailoverStatus(s.state().name().toLowerCase(java.util.Locale.ROOT), s.node(),
                s.priority(), peerAddress,
                s.peer() == null ? null : s.peer().state().name().toLowerCase(java.util.Locale.ROOT),
                s.master(), s.vipsHeld(), s.since().toString(), s.reason(),
                s.peer() == null ? null : s.peer().seen().toString(), notReady == null, notReady,
                s.peer() == null ? null : s.peer().ready(), handingOver, preemptHeld);
    }

    /** Binds the heartbeat socket, removes VIPs left by an earlier run, and starts as BACKUP. */
    public void start() throws IOException {
        codec = new HeartbeatCodec(config.clusterId(),
                HeartbeatCodec.parseKey(Files.readString(Path.of(config.authKeyFile()))));
        InetSocketAddress bind = config.bind().resolve();
        InetSocketAddress group = config.multicast() == null ? null : config.multicast().resolve();
        peer = group != null ? group : config.peer().resolve();
        channel = DatagramChannel.open(peer.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        channel.setOption(java.net.StandardSocketOptions.IP_TOS, 0xc0); // network control, as VRRP
        if (group == null) {
            channel.bind(bind);
        } else {
            // Multicast arrives at a socket bound to the port on the wildcard, not to a unicast address; the
            // group is joined, and sent to, on the interface that has the bind address.
            java.net.NetworkInterface nif = java.net.NetworkInterface.getByInetAddress(bind.getAddress());
            if (nif == null) {
                throw new IOException("no interface has " + bind.getAddress().getHostAddress()
                        + " (failover.bind) to join " + group + " on");
            }
            channel.bind(new InetSocketAddress(group.getPort()));
            channel.setOption(java.net.StandardSocketOptions.IP_MULTICAST_IF, nif);
            channel.setOption(java.net.StandardSocketOptions.IP_MULTICAST_TTL, 1);
            channel.setOption(java.net.StandardSocketOptions.IP_MULTICAST_LOOP, false);
            channel.join(group.getAddress(), nif);
        }
        channel.configureBlocking(false);
        selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        vips.checkTools();
        vips.removeLeftovers();
        thread = new Thread(this::loop, "tandem-failover");
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.setDaemon(true);
        thread.start();
        String tid = null;
        try {
            tid = threadId.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // stays null: normal priority, logged
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RealtimePriority.raise(thread.getName(), tid);
        log.info("failover node {} (priority {}, cluster {}) heartbeats on {} to {} every {}ms",
                config.node(), config.priority(), config.clusterId(), bind, peer,
                config.advertInterval().toMillis());
    }

    private void loop() {
        threadId.complete(RealtimePriority.currentThreadId());
        try {
            long now = clock();
            apply(machine.onTracking(tracking.get(), now), now);
            apply(machine.onReadiness(notReady = readiness.get(), now), now);
            apply(machine.start(now), now);
            long lastWake = now;
            while (!stopping) {
                long due = machine.nextDeadline();
                long waitMillis = (due - System.nanoTime() + 999_999) / 1_000_000;
                if (waitMillis > 0) {
                    selector.select(waitMillis);
                } else {
                    selector.selectNow();
                }
                selector.selectedKeys().clear();
                now = clock();
                if (now - due >= 0) {
                    meters.lateness.record(now - due, TimeUnit.NANOSECONDS);
                }
                boolean stoodStill = now - lastWake > 3 * config.advertInterval().toNanos();
                if (stoodStill) {
                    log.warn("heartbeat thread stood still for {}ms (process frozen, paused or starved of CPU)",
                            (now - lastWake) / 1_000_000);
                }
                lastWake = now;
                FailoverConfig next = pending;
                if (next != null) {
                    pending = null;
                    reconfigure(next, clock());
                }
                if (masterHeartbeatPending && vips.held()) {
                    masterHeartbeatPending = false;
                    if (!stoodStill) {
                        // After a stall the machine first listens for a peer that took over, then speaks.
                        send(config.priority());
                    }
                }
                receiveAll();
                apply(machine.onTracking(tracking.get(), clock()), decidedAt);
                apply(machine.onReadiness(notReady = readiness.get(), clock()), decidedAt);
                startAskedHandover(clock());
                apply(machine.onTick(clock()), decidedAt);
                finishPlannedHandover(clock());
                handingOver = machine.handingOver();
                preemptHeld = machine.preemptHeld();
            }
            CompletableFuture<Handover> asked = handoverAsked.getAndSet(null);
            if (asked != null) {
                asked.complete(new Handover(false, "this node is stopping", 0));
            }
            if (handoverRunning != null) {
                handoverRunning.complete(new Handover(false, "this node is stopping; it hands over as it stops", 0));
            }
            handOver();
        } catch (Throwable e) {
            // Never expected; without heartbeats the peer takes over, which is the safe side.
            log.error("failover thread stopped", e);
        } finally {
            stopped.countDown();
        }
    }

    /** Starts the planned handover the admin API asked for, if the peer can take it. */
    private void startAskedHandover(long now) {
        CompletableFuture<Handover> asked = handoverAsked.getAndSet(null);
        if (asked == null) {
            return;
        }
        NodeStatus.Peer p = status.peer();
        String refused;
        if (handoverRunning != null) {
            refused = "a handover is already under way";
        } else if (machine.state() != FailoverState.MASTER) {
            refused = "this node is " + machine.state() + ", not MASTER";
        } else if (p == null || lastPeerHeartbeatAt == Long.MIN_VALUE
                || now - lastPeerHeartbeatAt > 3 * config.advertInterval().toNanos()) {
            refused = "no live peer to hand over to (none heard for " + 3 * config.advertInterval().toMillis()
                    + "ms)";
        } else if (p.state() != FailoverState.BACKUP) {
            refused = "peer " + p.node() + " is " + p.state() + ", not BACKUP";
        } else if (!p.ready()) {
            refused = "peer " + p.node() + " is not ready (its data path is warming up or its pools have no "
                    + "backend up; see its /status)";
        } else {
            refused = machine.startHandover(PLANNED_HANDOVER_WAIT, now);
        }
        if (refused != null) {
            asked.complete(new Handover(false, refused, 0));
            return;
        }
        log.info("failover: handing the VIPs over to {} (asked through the admin API)", p.node());
        handoverRunning = asked;
        handoverStartedAt = now;
    }

    /** Completes a planned handover once the machine left MASTER, or once it gave up. */
    private void finishPlannedHandover(long now) {
        if (handoverRunning == null) {
            return;
        }
        long millis = (now - handoverStartedAt) / 1_000_000;
        if (machine.state() != FailoverState.MASTER) {
            handoverRunning.complete(new Handover(machine.state() == FailoverState.BACKUP,
                    machine.state() == FailoverState.BACKUP ? machine.masterNode() + " holds the VIPs"
                            : "this node is " + machine.state() + " now", millis));
            handoverRunning = null;
        } else if (!machine.handingOver()) {
            log.warn("failover: the peer did not take the VIPs within {}ms; this node stays MASTER", millis);
            handoverRunning.complete(new Handover(false, "the peer did not take the VIPs within " + millis
                    + "ms; this node stays MASTER", millis));
            handoverRunning = null;
        }
    }

    /**
     * Which changes of the failover section a running node can take in place:
     * priority, advert-interval, preempt, preempt-delay, peer, track and notify
     * can; the node's identity (node, cluster-id, key), its socket (bind,
     * multicast) and its VIPs cannot, as the peer and the network know them.
     * Returns the keys that need a restart, empty when all can be applied.
     */
    public static java.util.List<String> restartOnlyChanges(FailoverConfig from, FailoverConfig to) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        if (!from.node().equals(to.node())) {
            keys.add("node");
        }
        if (from.clusterId() != to.clusterId()) {
            keys.add("cluster-id");
        }
        if (!java.util.Objects.equals(from.authKeyFile(), to.authKeyFile())) {
            keys.add("auth-key-file");
        }
        if (!java.util.Objects.equals(from.bind(), to.bind())) {
            keys.add("bind");
        }
        // The config has exactly one of peer and multicast, so this also covers
        // a switch between unicast and multicast.
        if (!java.util.Objects.equals(from.multicast(), to.multicast())) {
            keys.add("multicast");
        }
        if (from.stateSync() != to.stateSync()) {
            keys.add("state-sync");
        } else if (from.stateSync() && !java.util.Objects.equals(from.peer(), to.peer())) {
            keys.add("peer (with state-sync)");
        }
        if (!from.vips().equals(to.vips())) {
            keys.add("vip");
        }
        return keys;
    }

    /**
     * Applies new settings from a reload (see {@link #restartOnlyChanges});
     * returns at once, the heartbeat thread applies them on its next wake-up.
     */
    public void reconfigure(FailoverConfig next) {
        pending = next;
        wakeUp();
    }

    private void reconfigure(FailoverConfig next, long now) {
        FailoverConfig before = config;
        config = next;
        vips.notifyScript(next.notifyScript());
        if (next.multicast() == null && next.peer() != null && !next.peer().equals(before.peer())) {
            peer = next.peer().resolve();
        }
        log.info("failover settings reloaded: priority {}, advert-interval {}ms, preempt {}, peer {}",
                next.priority(), next.advertInterval().toMillis(), next.preempt(), peer);
        apply(machine.reconfigure(next.priority(), next.advertInterval(), next.preempt(), next.preemptDelay(), now),
                now);
        NodeStatus s = status;
        status = new NodeStatus(next.node(), s.state(), next.priority(), machine.masterNode(), false, s.since(),
                s.reason(), s.peer());
    }

    /** The time now, which the machine's next decision is taken at. */
    private long clock() {
        return decidedAt = System.nanoTime();
    }

    private void receiveAll() {
        for (;;) {
            in.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) channel.receive(in);
            } catch (IOException e) {
                meters.failure("heartbeat-receive");
                return;
            }
            if (from == null) {
                return;
            }
            in.flip();
            HeartbeatCodec.Decoded d = codec.decode(in);
            if (d.rejection() != null) {
                meters.rejected(d.rejection());
                log.debug("dropped heartbeat from {}: {}", from, d.rejection().label());
                continue;
            }
            Heartbeat hb = d.heartbeat();
            if (hb.node().equals(config.node())) {
                continue;
            }
            if (!replay.accept(hb)) {
                meters.rejected(io.tandem.core.failover.Rejection.REPLAY);
                continue;
            }
            meters.received.increment();
            long now = clock();
            lastPeerHeartbeatAt = now;
            apply(machine.onHeartbeat(hb, now), now);
            status = status.withPeer(new NodeStatus.Peer(hb.node(), hb.state(), hb.priority(), hb.vipsHeld(),
                    hb.ready(), Instant.now()), machine.masterNode());
        }
    }

    private void apply(Outcome o, long now) {
        Transition t = o.transition();
        if (t != null) {
            log.info("failover {} -> {}: {}", t.from(), t.to(), t.reason());
            meters.transition(t.to());
            status = new NodeStatus(config.node(), t.to(), config.priority(), machine.masterNode(), false,
                    Instant.now(), t.reason(), status.peer());
            if (t.to() != FailoverState.INIT) {
                vips.apply(t.to(), t.graceful());
            }
        }
        if (o.send() != Send.NONE) {
            send(o.send() == Send.HANDOVER ? 0 : config.priority());
        }
        if (o.reannounce()) {
            vips.reannounce();
        }
    }

    private void send(int priority) {
        FailoverState state = machine.state();
        if (state == FailoverState.MASTER && priority > 0 && !vips.held()) {
            // A new master speaks once its VIPs are up and announced: the peer it takes over from (a
            // preemption) keeps serving until then, and if the VIPs cannot be taken the peer keeps them.
            masterHeartbeatPending = true;
            return;
        }
        if (state == FailoverState.MASTER && priority > 0
                && System.nanoTime() - decidedAt > 2 * config.advertInterval().toNanos()) {
            // The thread stood still between the decision and this send (frozen, paused) long enough for
            // the peer to have taken over (its master-down interval runs from the heartbeat before): a stale
            // master's heartbeat would make it step down. The next input shows the machine the stall; it
            // listens for the peer before it speaks again. A shorter hold-up (a GC pause) still sends.
            log.debug("heartbeat not sent: decided {}ms ago", (System.nanoTime() - decidedAt) / 1_000_000);
            return;
        }
        Heartbeat hb = new Heartbeat(config.clusterId(), config.node(), priority,
                (int) config.advertInterval().toMillis(), state, state == FailoverState.MASTER && vips.held(),
                bootEpoch, ++sequence, machine.ready());
        out.clear();
        codec.encode(hb, out);
        out.flip();
        try {
            channel.send(out, peer);
            meters.sent.increment();
        } catch (IOException e) {
            // A missing route or interface (the host is cut off): the peer will take over; keep trying.
            meters.failure("heartbeat-send");
            log.debug("heartbeat to {} failed: {}", peer, e.toString());
        }
    }

    /**
     * A clean stop on the heartbeat thread. A master sends priority 0 (repeated each interval), keeps its
     * VIPs and keeps serving until the peer says it holds them, then releases them; a lost handover costs
     * at most {@link #HANDOVER_WAIT}. Without a live peer there is nothing to wait for.
     */
    private void handOver() throws IOException {
        long now = clock();
        boolean wasMaster = machine.state() == FailoverState.MASTER;
        // Heard lately enough to be worth waiting for. Not 3 adverts, as for a takeover: a backup started a
        // moment ago (its JIT busy on a loaded host) may fall silent for longer than 3 x 20 ms, and a master
        // that stopped without waiting for it would leave it to take over by its timer, with the requests of
        // that gap lost; waiting for a peer that is really gone costs a slower stop, served all along.
        boolean peerAlive = lastPeerHeartbeatAt != Long.MIN_VALUE
                && now - lastPeerHeartbeatAt < Math.max(3 * config.advertInterval().toNanos(),
                        PEER_ALIVE_FOR_HANDOVER.toNanos());
        apply(machine.shutdown(now), now);
        if (wasMaster && peerAlive) {
            long deadline = now + HANDOVER_WAIT.toNanos();
            long nextSend = now + config.advertInterval().toNanos();
            // Counted for the log: every wait below ends on a timeout or a datagram that is then read. A
            // datagram left unread would end every later wait at once, and this real-time thread would spin
            // and starve its CPU (the event loop serving the last requests) until the wait ran out.
            int wakeUps = 0;
            while (System.nanoTime() - deadline < 0 && !peerHolds()) {
                selector.select(Math.max(1, config.advertInterval().toMillis() / 4));
                selector.selectedKeys().clear();
                wakeUps++;
                receiveAll();
                if (System.nanoTime() - nextSend >= 0) {
                    send(0);
                    nextSend = System.nanoTime() + config.advertInterval().toNanos();
                }
            }
            if (peerHolds()) {
                long heldAfter = (System.nanoTime() - now) / 1_000_000;
                long lingerUntil = System.nanoTime() + HANDOVER_LINGER.toNanos();
                while (System.nanoTime() - lingerUntil < 0) {
                    selector.select(Math.max(1, (lingerUntil - System.nanoTime()) / 1_000_000));
                    selector.selectedKeys().clear();
                    wakeUps++;
                    // The new master's heartbeats keep coming: read them, or the next select returns at once.
                    receiveAll();
                }
                log.info("peer {} holds the VIPs after {}ms; this node releases them after its drain "
                        + "(heartbeat thread woke {} times while handing over)", status.peer().node(), heldAfter, wakeUps);
            } else {
                log.warn("peer did not confirm the handover within {}; releasing the VIPs anyway", HANDOVER_WAIT);
            }
        }
        status = new NodeStatus(config.node(), FailoverState.INIT, config.priority(), null, false,
                Instant.now(), "stopped", status.peer());
    }

    private boolean peerHolds() {
        NodeStatus.Peer p = status.peer();
        return p != null && p.state() == FailoverState.MASTER && p.vipsHeld();
    }

    /**
     * First step of a clean stop: hands over (see {@link #handOver}) and stops the heartbeats. The VIPs
     * stay until {@link #close()}: connections that came in through them can still be answered while
     * the server drains (the peer's gratuitous ARP already sends new ones to the peer).
     */
    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (thread != null) {
            selector.wakeup();
            try {
                stopped.await(HANDOVER_WAIT.toMillis() + 7000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Last step of a stop: releases the VIPs and closes the socket. */
    @Override
    public void close() {
        stop();
        if (thread != null) {
            vips.releaseNow(Duration.ofSeconds(5));
        }
        vips.close();
        try {
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.debug("closing the heartbeat socket: {}", e.toString());
        }
    }
}
