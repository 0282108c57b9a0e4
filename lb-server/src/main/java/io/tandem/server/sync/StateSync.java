package io.tandem.server.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.server.dynamic.SharedChange;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pair acting as one ({@code failover.state-sync}): every runtime change
 * made on this node goes to the peer, and the peer's are applied here.
 * Modelled on HAProxy's peers protocol: each node pushes its own updates, in
 * order, numbered, over its own TCP connection to the peer's heartbeat port
 * number; the peer acknowledges each; a reconnect resumes after the last
 * update the peer applied when this node still has the ones after it (and
 * the peer has not restarted), else it starts with a full teach of this
 * node's state. Frames are authenticated with the pair key ({@link SyncFrames}).
 *
 * <p>Conflicts: a change is a value of a key (a backend's drain, weight,
 * presence); the latest change wins, by the wall clock of the node that made
 * it (then by node name), so after a partition both nodes settle on the same
 * values whichever taught first. Ejections are events with the time they have
 * left, not values.
 *
 * <p>Threads: {@code tandem-sync-accept} takes the peer's connection and
 * applies what it sends (one connection at a time), {@code tandem-sync-push}
 * keeps the connection to the peer and sends. Both block on sockets with
 * timeouts; the shared tables are guarded by this object's lock.
 */
public final class StateSync implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StateSync.class);
    private static final int LOG_CAPACITY = 4096;
    private static final int READ_TIMEOUT_MILLIS = 3000;
    private static final long IDLE_PING_MILLIS = 1000;
    private static final long RETRY_MILLIS = 300;

    private record Entry(SharedChange change, long millis, String node) {}

    private record Update(long seq, Entry entry) {}

    private final String node;
    private final byte[] key;
    private final InetSocketAddress bind;
    private final InetSocketAddress peer;
    private final BiConsumer<SharedChange, String> applier;
    private final Supplier<List<SharedChange>> ejections;
    private final SecureRandom random = nonBlockingRandom();
    private final long boot = random.nextLong() & Long.MAX_VALUE;

    /** Guarded by this. */
    private final Map<String, Entry> table = new LinkedHashMap<>();
    /** Guarded by this: this node's updates not yet known applied by the peer (at most LOG_CAPACITY). */
    private final ArrayDeque<Update> updates = new ArrayDeque<>();
    private long lastSeq;
    private volatile long lastAcked;
    private volatile boolean outboundUp;
    private volatile boolean inboundUp;
    private volatile String peerNode;
    /** The peer's boot id and the last of its updates applied here. Guarded by this. */
    private long peerBoot = -1;
    private long lastApplied;
    private volatile long teachesSent;
    private volatile long teachesReceived;
    private volatile boolean closed;
    private ServerSocket server;
    private Socket inbound;
    private Socket outbound;
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param applier   applies a change the peer made (called on the admin thread; must hand slow work over)
     * @param ejections this node's state of the moment for a full teach: its ejections (with the time they have
     *     left) and, on the master, its check verdicts
     */
    public StateSync(String node, byte[] key, InetSocketAddress bind, InetSocketAddress peer,
                     BiConsumer<SharedChange, String> applier, Supplier<List<SharedChange>> ejections) {
        this.node = node;
        this.key = key.clone();
        this.bind = bind;
        this.peer = peer;
        this.applier = applier;
        this.ejections = ejections;
    }

    /** Binds the TCP port (the heartbeat's number on {@code failover.bind}) and starts both directions. */
    public void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(bind);
        threads.add(start("tandem-sync-accept", this::acceptLoop));
        threads.add(start("tandem-sync-push", this::pushLoop));
        log.info("state sync: listening on {} (TCP), pushing to {}", bind, peer);
    }

    /** /dev/urandom: a nonce needs no more, and a blocking source can stall a fresh VM's first link. */
    private static SecureRandom nonBlockingRandom() {
        try {
            return SecureRandom.getInstance("NativePRNGNonBlocking");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A change made on this node: recorded and pushed to the peer. Any thread. */
    public synchronized void local(SharedChange change) {
        long now = System.currentTimeMillis();
        Entry before = table.get(change.key());
        // A later change of a key always has a later time, even if the clock stepped back.
        long millis = before == null ? now : Math.max(now, before.millis + 1);
        Entry e = new Entry(change, millis, node);
        if (!change.transientState()) {
            table.put(change.key(), e);
        }
        updates.addLast(new Update(++lastSeq, e));
        while (updates.size() > LOG_CAPACITY) {
            updates.removeFirst();
        }
        notifyAll();
    }

    /** What /status shows of the peer link and whether the two nodes are in sync. */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        long seq;
        long applied;
        synchronized (this) {
            seq = lastSeq;
            applied = lastApplied;
        }
        out.put("peer", peer.getHostString() + ":" + peer.getPort());
        out.put("peerNode", peerNode);
        out.put("outbound", Map.of("connected", outboundUp, "lastSeq", seq, "lastAcked", lastAcked,
                "teachesSent", teachesSent));
        out.put("inbound", Map.of("connected", inboundUp, "lastApplied", applied, "teachesReceived",
                teachesReceived));
        boolean inSync = outboundUp && inboundUp && lastAcked == seq;
        out.put("inSync", inSync);
        out.put("detail", inSync ? "every change made here is applied on the peer, and the peer's here"
                : !outboundUp || !inboundUp ? "the link to the peer is down; changes wait and go when it is back"
                : (seq - lastAcked) + " change(s) on the way to the peer");
        return out;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        closeQuietly(server);
        closeQuietly(inbound);
        closeQuietly(outbound);
        // A socket closed while a thread blocks in accept is released when that thread leaves it:
        // wait for it, so the port is free when close returns (a restart binds it again).
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- receiving: the peer's connection to us

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("state sync: accept failed: {}", e.toString());
                }
                continue;
            }
            // One connection at a time: a new one from the peer replaces a stale one.
            closeQuietly(inbound);
            inbound = s;
            start("tandem-sync-in", () -> receive(s));
        }
    }

    private void receive(Socket s) {
        try (s) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            SyncFrames frames = new SyncFrames(new DataInputStream(new BufferedInputStream(s.getInputStream())),
                    new DataOutputStream(new BufferedOutputStream(s.getOutputStream())), key, false);
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            ObjectNode hello = SyncFrames.object().put("type", "hello").put("node", node)
                    .put("nonce", HexFormat.of().formatHex(nonce));
            synchronized (this) {
                hello.put("boot", peerBoot).put("applied", lastApplied);
            }
            frames.send(hello);
            frames.nonce(nonce);
            boolean first = true;
            while (!closed) {
                JsonNode f = frames.receive();
                if (first) {
                    inboundUp = true;
                    peerNode = f.path("node").asText(null);
                    log.info("state sync: {} connected from {}", peerNode, s.getRemoteSocketAddress());
                    first = false;
                }
                switch (f.path("type").asText()) {
                    case "teach" -> {
                        teachesReceived++;
                        for (JsonNode u : f.path("entries")) {
                            applyFromPeer(entry(u));
                        }
                        synchronized (this) {
                            peerBoot = f.path("boot").asLong();
                            lastApplied = f.path("upTo").asLong();
                        }
                        frames.send(SyncFrames.object().put("type", "ack").put("seq", f.path("upTo").asLong()));
                    }
                    case "update" -> {
                        long seq = f.path("seq").asLong();
                        applyFromPeer(entry(f.path("u")));
                        synchronized (this) {
                            peerBoot = f.path("boot").asLong();
                            lastApplied = seq;
                        }
                        frames.send(SyncFrames.object().put("type", "ack").put("seq", seq));
                    }
                    case "ping" -> frames.send(SyncFrames.object().put("type", "ack").put("seq", -1));
                    default -> throw new IOException("unknown frame type " + f.path("type"));
                }
            }
        } catch (IOException e) {
            if (!closed) {
                log.warn("state sync: the link from {} ended: {}", peerNode == null ? peer : peerNode,
                        e.getMessage() == null ? e.toString() : e.getMessage());
            }
        } finally {
            if (inbound == s) {
                inboundUp = false;
            }
        }
    }

    /** The latest change of a key wins; an ejection or check verdict always applies. Never told back to the peer. */
    private void applyFromPeer(Entry e) {
        SharedChange c = e.change;
        if (!c.transientState()) {
            synchronized (this) {
                Entry mine = table.get(c.key());
                if (mine != null && (mine.millis > e.millis
                        || (mine.millis == e.millis && mine.node.compareTo(e.node) >= 0))) {
                    return;
                }
                table.put(c.key(), e);
            }
        }
        try {
            applier.accept(c, e.node);
        } catch (RuntimeException ex) {
            log.warn("state sync: cannot apply {} from {}: {}", c, e.node, ex.toString());
        }
    }

    // ---- pushing: our connection to the peer

    private void pushLoop() {
        while (!closed) {
            try (Socket s = new Socket()) {
                outbound = s;
                s.connect(peer, READ_TIMEOUT_MILLIS);
                if (s.getLocalPort() == peer.getPort() && s.getLocalAddress().equals(peer.getAddress())) {
                    // A TCP self-connect (the peer is down and its port is in the ephemeral range): it
                    // would hold the peer's port until the read times out, so the peer could not bind it.
                    throw new IOException("connected to itself; the peer is not listening");
                }
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                push(s);
            } catch (IOException e) {
                if (outboundUp && !closed) {
                    log.warn("state sync: the link to {} ended: {}", peer,
                            e.getMessage() == null ? e.toString() : e.getMessage());
                }
            } finally {
                outboundUp = false;
            }
            waitQuietly(RETRY_MILLIS);
        }
    }

    private void push(Socket s) throws IOException {
        SyncFrames frames = new SyncFrames(new DataInputStream(new BufferedInputStream(s.getInputStream())),
                new DataOutputStream(new BufferedOutputStream(s.getOutputStream())), key, true);
        JsonNode hello = frames.receive();
        if (!"hello".equals(hello.path("type").asText())) {
            throw new IOException("expected hello, got " + hello.path("type"));
        }
        frames.nonce(HexFormat.of().parseHex(hello.path("nonce").asText()));
        long next;
        synchronized (this) {
            long applied = hello.path("applied").asLong();
            boolean resume = hello.path("boot").asLong() == boot && applied <= lastSeq
                    && (updates.isEmpty() ? applied == lastSeq : updates.peekFirst().seq() <= applied + 1);
            next = resume ? applied + 1 : -1;
        }
        outboundUp = true;
        if (next < 0) {
            next = teach(frames) + 1;
        } else {
            log.info("state sync: resuming to {} after update {}", hello.path("node").asText(), next - 1);
        }
        while (!closed) {
            Update u = nextUpdate(next);
            if (u == null) {
                frames.send(SyncFrames.object().put("type", "ping").put("node", node));
                ack(frames, -1);
                continue;
            }
            ObjectNode f = SyncFrames.object().put("type", "update").put("node", node).put("boot", boot)
                    .put("seq", u.seq());
            f.set("u", json(u.entry()));
            frames.send(f);
            ack(frames, u.seq());
            lastAcked = u.seq();
            synchronized (this) {
                while (!updates.isEmpty() && updates.peekFirst().seq() <= u.seq()) {
                    updates.removeFirst();
                }
            }
            next = u.seq() + 1;
        }
    }

    /** Sends this node's whole state; returns the last update it covers. */
    private long teach(SyncFrames frames) throws IOException {
        ObjectNode f = SyncFrames.object().put("type", "teach").put("node", node).put("boot", boot);
        ArrayNode entries = f.putArray("entries");
        long upTo;
        synchronized (this) {
            upTo = lastSeq;
            table.values().forEach(e -> entries.add(json(e)));
            updates.clear();
        }
        long now = System.currentTimeMillis();
        for (SharedChange c : ejections.get()) {
            entries.add(json(new Entry(c, now, node)));
        }
        f.put("upTo", upTo);
        frames.send(f);
        ack(frames, upTo);
        lastAcked = upTo;
        teachesSent++;
        log.info("state sync: taught {} the whole state ({} entries, up to update {})",
                peerNode == null ? peer : "the peer", entries.size(), upTo);
        return upTo;
    }

    private static void ack(SyncFrames frames, long seq) throws IOException {
        JsonNode a = frames.receive();
        if (!"ack".equals(a.path("type").asText()) || a.path("seq").asLong() != seq) {
            throw new IOException("expected the acknowledgement of " + seq + ", got " + a);
        }
    }

    /** The update numbered {@code seq}, waiting for it at most the idle ping interval; null when none came. */
    private synchronized Update nextUpdate(long seq) throws IOException {
        long deadline = System.currentTimeMillis() + IDLE_PING_MILLIS;
        while (!closed) {
            for (Update u : updates) {
                if (u.seq() == seq) {
                    return u;
                }
            }
            if (lastSeq >= seq) {
                throw new IOException("update " + seq + " is no longer kept; teaching again");
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        throw new IOException("closing");
    }

    private synchronized void waitQuietly(long millis) {
        if (closed) {
            return;
        }
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode json(Entry e) {
        return SyncFrames.object().put("what", e.change.what()).put("pool", e.change.pool())
                .put("backend", e.change.backend()).put("value", e.change.value()).put("millis", e.millis)
                .put("node", e.node);
    }

    private static Entry entry(JsonNode u) {
        return new Entry(new SharedChange(u.path("what").asText(), u.path("pool").asText(),
                u.path("backend").asText(), u.path("value").asText()), u.path("millis").asLong(),
                u.path("node").asText());
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

}
