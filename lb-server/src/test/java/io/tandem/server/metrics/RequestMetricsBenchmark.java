package io.tandem.server.metrics;

import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics add to one proxied request, in nanoseconds: everything the
 * data path does for metrics per request when they are on (resolve the
 * backend's meters, record status and duration, count one read and two
 * writes of bytes), against the same calls with {@code tandem.metrics.requests=false}.
 * Compare with the CPU time a whole proxied request takes (docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class RequestMetricsBenchmark {

    @Param({"true", "false"})
    boolean requestMetrics;

    private PoolMeters pool;
    private Backend backend;
    private ListenerMeters listener;
    private long nanos;

    @Setup
    public void setUp() {
        ProxyMetrics metrics = new ProxyMetrics(requestMetrics);
        backend = new Backend(HostPort.parse("127.0.0.1:8080"), 1, false);
        Backend other = new Backend(HostPort.parse("127.0.0.1:8081"), 1, false);
        BackendPool p = new BackendPool("web", List.of(backend, other));
        pool = new PoolMeters(metrics, p, List.of("web"));
        listener = metrics.listener("web");
        nanos = 1_234_567;
    }

    /** The metrics work of one request; when off, the traffic counter is not in the pipeline at all. */
    @Benchmark
    public void oneRequest() {
        if (requestMetrics) {
            listener.received(420);
        }
        BackendMeters m = pool.of(backend);
        m.requests(0).record(200, nanos);
        if (requestMetrics) {
            listener.sent(180);
            listener.sent(5120);
        }
    }
}
