package io.tandem.server.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.pool.Backend;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The open TCP sessions of one event loop, by backend: what a pool's
 * {@code on-down} closes when a backend fails its checks. Each loop has its
 * own (a {@link FastThreadLocal}), touched only on that loop, so a session
 * joins and leaves without a lock; the control plane reaches every loop
 * through {@code execute}.
 */
public final class TcpSessions {

    private static final FastThreadLocal<TcpSessions> LOOP = new FastThreadLocal<>() {
        @Override
        protected TcpSessions initialValue() {
            return new TcpSessions();
        }
    };

    private final Map<Backend, Set<TcpSession>> byBackend = new IdentityHashMap<>();

    private TcpSessions() {}

    static TcpSessions current() {
        return LOOP.get();
    }

    void add(Backend backend, TcpSession session) {
        byBackend.computeIfAbsent(backend, b -> new LinkedHashSet<>()).add(session);
    }

    void remove(Backend backend, TcpSession session) {
        Set<TcpSession> sessions = byBackend.get(backend);
        if (sessions != null && sessions.remove(session) && sessions.isEmpty()) {
            byBackend.remove(backend);
        }
    }

    /**
     * Closes the calling loop's sessions to {@code backend}, each ending as {@code backend-down}, and
     * returns how many. Call on the event loop whose sessions they are.
     */
    public static int closeAll(Backend backend) {
        Set<TcpSession> sessions = current().byBackend.get(backend);
        if (sessions == null) {
            return 0;
        }
        List<TcpSession> closing = new ArrayList<>(sessions);
        closing.forEach(TcpSession::backendDown);
        return closing.size();
    }
}
