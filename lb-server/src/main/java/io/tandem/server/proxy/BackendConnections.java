package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.pool.Backend;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Idle keep-alive connections to backends, one set per event loop (DESIGN.md
 * decision 1): a connection is only ever used by the loop that opened it, so
 * the pool needs no locks. It also knows the loop's open
 * {@link PrivateConnections}, so that a backend drained or removed loses its
 * idle connections there too. Access only from an event loop thread.
 */
final class BackendConnections implements IdleConnections {

    /**
     * Idle connections kept per (event loop, backend); more are closed when released.
     * High enough that a thousand concurrent clients on one loop do not churn connections.
     */
    static final int MAX_IDLE_PER_BACKEND = 1024;

    private static final FastThreadLocal<BackendConnections> PER_LOOP = new FastThreadLocal<>() {
        @Override
        protected BackendConnections initialValue() {
            return new BackendConnections();
        }
    };

    private final Map<Backend, ArrayDeque<Channel>> idle = new IdentityHashMap<>();
    /** The private sets of this loop's client connections that send a PROXY header, until they close. */
    private final Set<PrivateConnections> privates = Collections.newSetFromMap(new IdentityHashMap<>());

    private BackendConnections() {}

    /** The pool of the calling event loop. */
    static BackendConnections current() {
        return PER_LOOP.get();
    }

    /** An idle open connection to {@code backend}, most recently used first, or null. */
    @Override
    public Channel poll(Backend backend) {
        ArrayDeque<Channel> q = idle.get(backend);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollFirst()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Keeps an idle connection for reuse, or closes it when the pool is full. */
    @Override
    public void offer(Backend backend, Channel ch) {
        ArrayDeque<Channel> q = idle.computeIfAbsent(backend, b -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_BACKEND) {
            ch.close();
            return;
        }
        q.addFirst(ch);
    }

    /** Forgets a connection that closed while idle. */
    @Override
    public void remove(Backend backend, Channel ch) {
        ArrayDeque<Channel> q = idle.get(backend);
        if (q != null) {
            q.remove(ch);
        }
    }

    /**
     * Closes every idle connection to {@code backend} (it was removed or drained): the shared ones and
     * those private to a client.
     */
    void closeAll(Backend backend) {
        ArrayDeque<Channel> q = idle.remove(backend);
        if (q != null) {
            for (Channel ch : q) {
                ch.close();
            }
        }
        for (PrivateConnections p : privates) {
            p.closeIdle(backend);
        }
    }

    /** A client connection's private set opened on this loop; it stays known until {@link #closed}. */
    void opened(PrivateConnections p) {
        privates.add(p);
    }

    /** The client connection of {@code p} closed. */
    void closed(PrivateConnections p) {
        privates.remove(p);
    }
}
