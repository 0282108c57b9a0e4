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

    BackendMeters(ProxyMetrics metrics, String pool, Backend backend, List<String> listeners) {
        this.backend = backend;
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
