package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.tandem.core.pool.Backend;
import java.util.List;

/**
 * The meters of one backend of one pool, made when the pool is built: its
 * request meters per listener and its failed attempts. (Its gauges read the
 * {@link Backend} itself; see {@link PoolMeters#ensureGauges}.)
 *
 * <p>Thread-safe; the proxy resolves this object once per attempt and then
 * only calls it.
 */
public final class BackendMeters {

    private final Backend backend;
    private final RequestMeters[] byListener;
    private final Counter failures;
    private final ProxyMetrics metrics;
    private final String pool;
    private final List<String> listeners;
    /** Per listener, the TCP sessions forwarded here; made on first use, so HTTP pools show none. */
    private final Counter[] tcpSessions;

    BackendMeters(ProxyMetrics metrics, String pool, Backend backend, List<String> listeners) {
        this.backend = backend;
        this.metrics = metrics;
        this.pool = pool;
        this.listeners = listeners;
        this.tcpSessions = new Counter[listeners.size()];
        failures = Counter.builder("tandem_backend_failures_total")
                .description("Attempts that failed at the backend: refused or failed connect, "
                        + "connection closed before the response ended, response timeout")
                .tags("pool", pool, "backend", backend.id()).register(metrics.registry());
        byListener = new RequestMeters[listeners.size()];
        for (int i = 0; i < byListener.length; i++) {
            byListener[i] = metrics.requestMeters(listeners.get(i), pool, backend.id());
        }
    }

    /** The request meters of this backend for the listener at {@code listenerIndex} in the config. */
    public RequestMeters requests(int listenerIndex) {
        return byListener[listenerIndex];
    }

    public void connectionOpened() {
        backend.connectionOpened();
    }

    public void connectionClosed() {
        backend.connectionClosed();
    }

    /** Counts a TCP session of the listener at {@code listenerIndex} that was forwarded to this backend. */
    public void tcpSession(int listenerIndex) {
        Counter c = tcpSessions[listenerIndex];
        if (c == null) {
            // A race makes the same counter twice: the registry returns the one it has.
            c = PoolMeters.tcpSessions(metrics, listeners.get(listenerIndex), pool, backend.id(), "forwarded");
            tcpSessions[listenerIndex] = c;
        }
        c.increment();
    }

    /** Counts an attempt that failed at this backend. */
    public void failed() {
        failures.increment();
    }

    /** Responses this backend gave, through every listener, with a status of {@code minStatus} or above. */
    public long responses(int minStatus) {
        long n = 0;
        for (RequestMeters m : byListener) {
            n += m.responses(minStatus);
        }
        return n;
    }

    /** Attempts that failed at this backend so far. */
    public long failures() {
        return (long) failures.count();
    }
}
