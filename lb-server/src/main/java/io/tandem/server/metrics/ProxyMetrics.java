package io.tandem.server.metrics;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.tandem.server.Version;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Prometheus registry of one node and the meters that are not tied to a
 * pool: JVM and Netty memory, the build, config reloads and whether the last
 * one was applied, and the per-listener traffic meters. It serves scrapes in
 * both exposition formats. Pools make their meters through {@link PoolMeters}.
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

    static final String OPENMETRICS = "application/openmetrics-text";
    /** The content types of the two formats, as the Prometheus client's writers give them. */
    static final String OPENMETRICS_TYPE = OPENMETRICS + "; version=1.0.0; charset=utf-8";
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String REQUESTS = "tandem_requests_total";
    static final String REQUESTS_HELP = "Requests answered, by listener, pool, backend and status code";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final boolean requestMetrics;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Counter accessLogQueueFull;
    private final Counter accessLogUnavailable;
    /** Whether the last load of the config (the start's, then each reload's) was applied. */
    private volatile boolean lastReloadOk = true;
    /** When the config in force was applied, in seconds since the epoch. */
    private volatile double lastAppliedSeconds;
    private final Map<String, ListenerMeters> listeners = new ConcurrentHashMap<>();
    private final Map<String, TlsMeters> tls = new ConcurrentHashMap<>();

    /** A registry with every meter; {@code requestMetrics} false leaves out the per-request ones. */
    public ProxyMetrics(boolean requestMetrics) {
        this.requestMetrics = requestMetrics;
        // Micrometer's process.cpu.time counts nanoseconds (process_cpu_time_ns_total); Prometheus wants
        // seconds, under the name its own clients give the same value.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            FunctionCounter.builder("process_cpu_seconds", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time the process used, in seconds").register(registry);
        }
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
        Gauge.builder("tandem_config_last_reload_success", () -> lastReloadOk ? 1 : 0)
                .description("1 when the last config load (the start's, then each reload's) was applied, "
                        + "0 when it was refused and the config before it stays in force")
                .register(registry);
        Gauge.builder("tandem_config_last_reload_success_timestamp_seconds", () -> lastAppliedSeconds)
                .description("When the config in force was applied, in seconds since the epoch")
                .register(registry);
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

    /** Records that the config loaded at start was applied at {@code at}. */
    public void configApplied(Instant at) {
        lastReloadOk = true;
        lastAppliedSeconds = at.toEpochMilli() / 1000.0;
    }

    /** Counts one config reload, applied at {@code at} ({@code ok}) or refused (then {@code at} is ignored). */
    public void configReloaded(boolean ok, Instant at) {
        (ok ? reloadsOk : reloadsFailed).increment();
        if (ok) {
            configApplied(at);
        } else {
            lastReloadOk = false;
        }
    }

    /**
     * {@code tandem_build_info}: always 1, with what the build recorded and the transport this
     * node runs on as labels, so a query can join them to any other series of the node. An info
     * metric of the Prometheus client itself: Micrometer has no such type, and its gauges lose the
     * {@code _info} suffix.
     */
    public void buildInfo(String transport) {
        InfoSnapshot info = InfoSnapshot.builder().name("tandem_build")
                .help("Always 1; the labels say which build runs, on which JDK and I/O transport")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("version", Version.get(), "commit", Version.commit(), "jdk", Version.jdk(),
                                "transport", transport))
                        .build())
                .build();
        registry.getPrometheusRegistry().register(() -> info);
    }

    /** One scrape of every meter: the body and its content type. */
    public record Scrape(String contentType, byte[] body) {}

    /**
     * Every meter, in OpenMetrics when the scraper's {@code Accept} header
     * names {@code application/openmetrics-text} (as Prometheus's own does),
     * else in Prometheus's text format 0.0.4.
     */
    public Scrape scrape(String accept) {
        String type = accept != null && accept.contains(OPENMETRICS)
                ? OPENMETRICS_TYPE : PROMETHEUS_TYPE;
        return new Scrape(type, registry.scrape(type).getBytes(StandardCharsets.UTF_8));
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
