package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Prometheus registry of one node and the meters that are not tied to a
 * pool: JVM and Netty memory, config reloads, and the per-listener traffic
 * meters. Pools make their meters through {@link PoolMeters}.
 *
 * <p>Every meter the data path touches is made once, when its listener,
 * pool or backend is built, and kept in a field or array; the request path
 * never looks a meter up by name. Thread-safe: meters are.
 */
public final class ProxyMetrics {

    /**
     * Benchmarking switch: {@code -Dtandem.metrics.requests=false} turns off the
     * per-request and per-read meters (request counters, duration histogram,
     * bytes, client connections) so their cost can be measured. Read once,
     * when a server is built; never on the request path.
     */
    public static final String REQUEST_METRICS_PROPERTY = "tandem.metrics.requests";

    static final String REQUESTS = "tandem_requests_total";
    static final String REQUESTS_HELP = "Requests answered, by listener, pool, backend and status code";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final boolean requestMetrics;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Counter accessLogQueueFull;
    private final Counter accessLogUnavailable;
    private final Map<String, ListenerMeters> listeners = new ConcurrentHashMap<>();
    private final Map<String, TlsMeters> tls = new ConcurrentHashMap<>();

    /** A registry with every meter; {@code requestMetrics} false leaves out the per-request ones. */
    public ProxyMetrics(boolean requestMetrics) {
        this.requestMetrics = requestMetrics;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("netty_direct_memory_used_bytes", PlatformDependent::usedDirectMemory)
                .description("Direct memory used by Netty's buffers").register(registry);
        Gauge.builder("netty_pooled_direct_memory_bytes",
                        () -> PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory())
                .description("Direct memory held by Netty's pooled allocator").register(registry);
        Gauge.builder("netty_pooled_heap_memory_bytes",
                        () -> PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory())
                .description("Heap memory held by Netty's pooled allocator").register(registry);
        reloadsOk = reloads("ok");
        reloadsFailed = reloads("error");
        accessLogQueueFull = accessLogDropped("queue_full");
        accessLogUnavailable = accessLogDropped("unavailable");
    }

    /** The registry with the switch of {@link #REQUEST_METRICS_PROPERTY} (default on). */
    public static ProxyMetrics fromSystemProperties() {
        return new ProxyMetrics(!"false".equals(System.getProperty(REQUEST_METRICS_PROPERTY)));
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Whether per-request meters are recorded (see {@link #REQUEST_METRICS_PROPERTY}). */
    public boolean requestMetrics() {
        return requestMetrics;
    }

    /** Counts one config reload, applied ({@code ok}) or refused. */
    public void configReloaded(boolean ok) {
        (ok ? reloadsOk : reloadsFailed).increment();
    }

    private Counter reloads(String result) {
        return Counter.builder("tandem_config_reloads_total")
                .description("Config reloads, by result (ok: applied, error: refused, old config kept)")
                .tags("result", result).register(registry);
    }

    /**
     * Counts one access-log line a syslog target did not send: {@code queueFull}
     * when its queue had no room, else because its server was unreachable.
     * Safe from any thread (event loops and the sender's).
     */
    public void accessLogDropped(boolean queueFull) {
        (queueFull ? accessLogQueueFull : accessLogUnavailable).increment();
    }

    private Counter accessLogDropped(String reason) {
        return Counter.builder("tandem_access_log_dropped_total")
                .description("Access-log lines not sent to a syslog target, by reason (queue_full: the queue had "
                        + "no room; unavailable: the server could not be reached)")
                .tags("reason", reason).register(registry);
    }

    /**
     * The traffic meters of the listener {@code name}: the same object for the
     * same name, so a listener that a reload rebinds keeps counting where it was.
     */
    public ListenerMeters listener(String name) {
        return listeners.computeIfAbsent(name, n -> new ListenerMeters(this, n));
    }

    /** The TLS meters of the listener {@code name}: the same object for the same name, as {@link #listener}. */
    public TlsMeters tls(String name) {
        return tls.computeIfAbsent(name, n -> new TlsMeters(this, n));
    }

    /** Meters of one backend seen through one listener; a no-op when request metrics are off. */
    RequestMeters requestMeters(String listener, String pool, String backend) {
        return requestMetrics ? new RequestMeters.Recording(registry, listener, pool, backend) : RequestMeters.OFF;
    }

    /** 1 ms to 10 s, roughly three buckets a decade: a proxy's answers span that range. */
    static Duration[] buckets() {
        long[] ms = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }
}
