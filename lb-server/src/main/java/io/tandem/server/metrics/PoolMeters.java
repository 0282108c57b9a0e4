package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.pool.BackendState;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The meters of one pool, made once when the pool is built (at start and on
 * each reload): each backend's {@link BackendMeters}, the retry counters by
 * cause, and the counters of answers the proxy gives itself for this pool
 * (502, 503, 504) per listener. Counters with the same name and tags are the
 * same counter in the registry, so a reload continues them.
 *
 * <p>The backend gauges read the {@link Backend} object itself and are
 * managed apart ({@link #ensureGauges}, {@link #removeGauges}): a gauge keeps
 * the object it was registered with, so a backend that a reload replaces
 * must lose its gauges before the new one registers.
 */
public final class PoolMeters {

    private static final List<String> GAUGES = List.of("tandem_backend_up", "tandem_backend_active_requests",
            "tandem_backend_weight", "tandem_backend_connections");

    private final Map<Backend, BackendMeters> backends = new IdentityHashMap<>();
    private final Counter[] retries = new Counter[RetryCause.values().length];
    private final StatusCounters[] localAnswers;
    private final ProxyMetrics metrics;
    private final String poolName;
    private final List<String> listeners;

    public PoolMeters(ProxyMetrics metrics, BackendPool pool, List<String> listeners) {
        this.metrics = metrics;
        this.poolName = pool.name();
        this.listeners = listeners;
        for (Backend b : pool.backends()) {
            backends.put(b, new BackendMeters(metrics, pool.name(), b, listeners));
        }
        for (RetryCause cause : RetryCause.values()) {
            retries[cause.ordinal()] = Counter.builder("tandem_retries_total")
                    .description("Requests sent again, by cause")
                    .tags("pool", pool.name(), "cause", cause.label()).register(metrics.registry());
        }
        localAnswers = new StatusCounters[listeners.size()];
        for (int i = 0; i < localAnswers.length; i++) {
            localAnswers[i] = new StatusCounters(metrics.registry(),
                    Tags.of("listener", listeners.get(i), "pool", pool.name(), "backend", ""));
        }
    }

    /**
     * Registers the gauges of each backend of {@code pool} that has none; a
     * backend carried over by a reload keeps the ones it has.
     */
    public static void ensureGauges(ProxyMetrics metrics, BackendPool pool) {
        for (Backend b : pool.backends()) {
            Tags tags = Tags.of("pool", pool.name(), "backend", b.id());
            if (metrics.registry().find("tandem_backend_up").tags(tags).gauge() != null) {
                continue;
            }
            Gauge.builder("tandem_backend_up", b, x -> x.state() == BackendState.UP ? 1 : 0)
                    .description("1 when the backend takes new requests (up), 0 when down, draining or ejected")
                    .tags(tags).register(metrics.registry());
            Gauge.builder("tandem_backend_active_requests", b, Backend::inFlight)
                    .description("Requests in flight to the backend")
                    .tags(tags).register(metrics.registry());
            Gauge.builder("tandem_backend_weight", b, Backend::weight)
                    .description("Current weight of the backend")
                    .tags(tags).register(metrics.registry());
            Gauge.builder("tandem_backend_connections", b, Backend::connections)
                    .description("Open connections to the backend, busy and idle")
                    .tags(tags).register(metrics.registry());
            // Shown from the start (at 0), so alerts on its increase work before the first ejection.
            ejections(metrics, pool.name(), b);
        }
    }

    /** Removes the gauges of a backend a reload took out of {@code pool}. */
    public static void removeGauges(ProxyMetrics metrics, String pool, Backend backend) {
        for (String name : GAUGES) {
            for (Meter m : metrics.registry().find(name).tags("pool", pool, "backend", backend.id()).meters()) {
                metrics.registry().remove(m);
            }
        }
    }

    /** The meters of {@code backend}, made with the pool (the map is never written after construction). */
    public BackendMeters of(Backend backend) {
        return backends.get(backend);
    }

    public void retried(RetryCause cause) {
        retries[cause.ordinal()].increment();
    }

    /** Retries counted so far for {@code cause}. */
    public long retries(RetryCause cause) {
        return (long) retries[cause.ordinal()].count();
    }

    /** Counts one active check of {@code backend} with its result ({@code pass}, {@code fail}, {@code timeout}). */
    public void healthCheck(Backend backend, String result) {
        // Not the request path: a check runs every interval, so the registry lookup is fine.
        Counter.builder("tandem_health_checks_total")
                .description("Active health checks, by pool, backend and result")
                .tags("pool", poolName, "backend", backend.id(), "result", result)
                .register(metrics.registry()).increment();
    }

    /** Counts one passive outlier ejection of {@code backend}. */
    public void ejection(Backend backend) {
        ejections(metrics, poolName, backend).increment();
    }

    private static Counter ejections(ProxyMetrics metrics, String pool, Backend backend) {
        return Counter.builder("tandem_backend_ejections_total")
                .description("Passive outlier ejections, by pool and backend")
                .tags("pool", pool, "backend", backend.id())
                .register(metrics.registry());
    }

    /**
     * Counts a TCP session of the listener at {@code listenerIndex} that no backend took (none up, or
     * every one tried refused). Rare, so the counter is looked up here.
     */
    public void tcpSessionFailed(int listenerIndex) {
        tcpSessions(metrics, listeners.get(listenerIndex), poolName, "", "failed").increment();
    }

    static Counter tcpSessions(ProxyMetrics metrics, String listener, String pool, String backend, String result) {
        return Counter.builder("tandem_tcp_sessions_total")
                .description("Connections of mode: tcp listeners, by the backend they were forwarded to; "
                        + "result failed: no backend took them")
                .tags("listener", listener, "pool", pool, "backend", backend, "result", result)
                .register(metrics.registry());
    }

    /** Counts an answer the proxy gave itself for this pool through the listener at {@code listenerIndex}. */
    public void localAnswer(int listenerIndex, int status) {
        localAnswers[listenerIndex].increment(status);
    }
}
