package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.config.ConfigLoader;
import io.tandem.config.ListenerConfig;
import io.tandem.config.OutlierConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.Template;
import io.tandem.config.TandemConfig;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.strategy.Balancer;
import io.tandem.core.strategy.BalancingStrategy;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a traffic policy adds to one proxied request, in nanoseconds: the request head wrk sends, taken
 * as the data path takes it (its facts read, the listener's routes walked, the route's rewrites applied)
 * and encoded for the backend, with the bench's listeners: {@code bench/conf/tandem.yaml} (no routes)
 * against {@code bench/conf/tandem-policy.yaml} (20 routes walked, 5 request-header rewrites). Compare the
 * difference with the CPU time a whole proxied request takes (docs/benchmarks.md, "Traffic policy").
 * Run from the repository's root (it reads the two files).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class PolicyBenchmark {

    /** Which bench config: {@code tandem} (no routes) or {@code tandem-policy}. */
    @Param({"tandem", "tandem-policy"})
    String config;

    private Routing routing;
    private final RequestFacts facts = new RequestFacts();
    private final byte[] client = {127, 0, 0, 1};
    private final Template.Values values = variable -> switch (variable) {
        case CLIENT -> "127.0.0.1";
        case REQUEST_ID -> "5f0c3a9e2b7d4e11";
        case SCHEME -> "http";
        default -> "";
    };
    private EmbeddedChannel encoder;

    @Setup
    public void setUp() throws Exception {
        String yaml = Files.readString(Path.of("bench/conf/" + config + ".yaml"))
                .replace("@TANDEM@", "19180").replace("@ADMIN@", "19181").replace("@TANDEM_TLS@", "")
                .replace("@BACKEND1@", "19182").replace("@BACKEND2@", "19183");
        Path file = Files.createTempFile("policy-bench", ".yaml");
        Files.writeString(file, yaml);
        TandemConfig loaded = ConfigLoader.load(file);
        Files.delete(file);
        PoolConfig poolConfig = loaded.pools().get("pool");
        BackendPool backendPool = new BackendPool("pool", poolConfig.backends().stream()
                .map(b -> new Backend(b.address(), b.weight(), false)).toList());
        PoolHealth health = new PoolHealth(backendPool, Optional.empty(), OutlierConfig.DEFAULT, System::nanoTime,
                new PoolHealth.Listener() {
                    @Override
                    public void stateChanged(io.tandem.core.health.StateChange change) {
                    }

                    @Override
                    public void ejected(Backend backend, Duration duration, String reason) {
                    }

                    @Override
                    public void returnDueIn(long nanos) {
                    }
                });
        health.activate(null);
        PoolRuntime pool = new PoolRuntime(poolConfig, backendPool,
                Balancer.over(backendPool, BalancingStrategy.roundRobin()),
                new PoolMeters(new ProxyMetrics(false), backendPool, List.of("bench")), health);
        ListenerConfig listener = loaded.listeners().get(0);
        routing = new Routing(listener, 0, Map.of("pool", pool));
        encoder = new EmbeddedChannel(new HttpRequestEncoder());
    }

    @TearDown
    public void tearDown() {
        encoder.finishAndReleaseAll();
    }

    /** A request head as wrk sends it, made anew each time (the rewrites edit it). */
    private static HttpRequest request() {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValueValidation(false).newHeaders();
        headers.add("Host", "127.0.0.1:19180");
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER, headers,
                EmptyHttpHeaders.INSTANCE);
    }

    /** The walk of the routes alone: the request's facts read and its route found. */
    @Benchmark
    public Route routeOnly() {
        return routing.route(facts.begin(request(), "127.0.0.1:19180", client));
    }

    /** One request head as wrk sends it: routed, rewritten and encoded; returns the bytes for the backend. */
    @Benchmark
    public int oneRequest() {
        HttpRequest request = request();
        Route route = routing.route(facts.begin(request, "127.0.0.1:19180", client));
        if (route.answersItself()) {
            throw new IllegalStateException("the bench request must go to the pool");
        }
        route.rewrite(request, facts, values);
        encoder.writeOutbound(request);
        int bytes = 0;
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            bytes += b.readableBytes();
            b.release();
        }
        return bytes;
    }
}
