package io.tandem.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.BackendState;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The per-backend meters of one pool: gauges of state and in-flight requests,
 * and the request meters of each listener, made once when the pool is built.
 */
public final class PoolMeters {

    private final Map<Backend, ProxyMetrics.RequestMeters[]> requestMeters = new IdentityHashMap<>();

    public PoolMeters(ProxyMetrics metrics, BackendPool pool, java.util.List<String> listeners) {
        for (Backend b : pool.backends()) {
            ProxyMetrics.RequestMeters[] byListener = new ProxyMetrics.RequestMeters[listeners.size()];
            for (int i = 0; i < byListener.length; i++) {
                byListener[i] = metrics.requestMeters(listeners.get(i), pool.name(), b);
            }
            requestMeters.put(b, byListener);
        }
    }

    /**
     * Registers the state and in-flight gauges of each backend of {@code pool}
     * that has none; a backend carried over by a reload keeps the ones it has.
     */
    public static void ensureGauges(ProxyMetrics metrics, BackendPool pool) {
        for (Backend b : pool.backends()) {
            if (metrics.registry().find("tandem_backend_up").tags("pool", pool.name(), "backend", b.id()).gauge() != null) {
                continue;
            }
            Gauge.builder("tandem_backend_up", b, x -> x.state() == BackendState.UP ? 1 : 0)
                    .description("1 when the backend takes new requests")
                    .tags("pool", pool.name(), "backend", b.id()).register(metrics.registry());
            Gauge.builder("tandem_backend_active_requests", b, Backend::inFlight)
                    .description("Requests in flight to the backend")
                    .tags("pool", pool.name(), "backend", b.id()).register(metrics.registry());
        }
    }

    /** The request meters of {@code backend} for the listener at {@code listenerIndex}. */
    public ProxyMetrics.RequestMeters requests(Backend backend, int listenerIndex) {
        return requestMeters.get(backend)[listenerIndex];
    }
}
