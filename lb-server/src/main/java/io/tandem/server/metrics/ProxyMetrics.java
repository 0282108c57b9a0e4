package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.tandem.core.pool.Backend;
import java.time.Duration;

/**
 * The Prometheus registry and the meters of the data path. Meters are made
 * once per (listener, pool, backend, status) and cached in arrays, so the
 * request path never looks a meter up by name.
 */
public final class ProxyMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public ProxyMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        Gauge.builder("netty_direct_memory_used_bytes", PlatformDependent::usedDirectMemory)
                .description("Direct memory used by Netty's buffers").register(registry);
        Gauge.builder("netty_pooled_direct_memory_bytes",
                        () -> PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory())
                .description("Direct memory held by Netty's pooled allocator").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Meters of one backend seen through one listener. */
    public RequestMeters requestMeters(String listener, String pool, Backend backend) {
        return new RequestMeters(listener, pool, backend.id());
    }

    /** Counters of answers Tandem gives itself (no backend): 502, 503, 504, 4xx. */
    public Counter localResponses(String listener, String pool, int code) {
        return Counter.builder("tandem_requests_total")
                .description("Requests answered, by listener, pool, backend and status code")
                .tags("listener", listener, "pool", pool == null ? "" : pool, "backend", "", "code",
                        Integer.toString(code))
                .register(registry);
    }

    /** The request counters and duration histogram of one (listener, pool, backend). */
    public final class RequestMeters {
        private final String listener;
        private final String pool;
        private final String backend;
        private final Counter[] byStatus = new Counter[600];
        private final Timer duration;

        RequestMeters(String listener, String pool, String backend) {
            this.listener = listener;
            this.pool = pool;
            this.backend = backend;
            this.duration = Timer.builder("tandem_request_duration_seconds")
                    .description("Time from request head received to response end")
                    .tags("listener", listener, "pool", pool, "backend", backend)
                    .serviceLevelObjectives(buckets())
                    .register(registry);
        }

        public void record(int status, long nanos) {
            Counter c = status >= 100 && status < 600 ? byStatus[status] : null;
            if (c == null) {
                c = counter(status);
            }
            c.increment();
            duration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        // Racing event loops may both build the counter; the registry returns the same one.
        private Counter counter(int status) {
            Counter c = Counter.builder("tandem_requests_total")
                    .description("Requests answered, by listener, pool, backend and status code")
                    .tags("listener", listener, "pool", pool, "backend", backend, "code", Integer.toString(status))
                    .register(registry);
            if (status >= 100 && status < 600) {
                byStatus[status] = c;
            }
            return c;
        }
    }

    /** 1 ms to 10 s, roughly three buckets a decade. */
    private static Duration[] buckets() {
        long[] ms = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }
}
