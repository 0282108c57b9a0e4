package io.tandem.core.strategy;

import io.tandem.config.HashOn;
import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one pick ({@link BackendPool#pick}, the proxy's hot path) for
 * every strategy over 3, 100 and 1000 live backends with weights 1-4, on one
 * thread and on two threads sharing the pool (the same counters and
 * snapshot, as two event loops do). Run with {@code -prof gc}: a pick must
 * allocate nothing. Least-connections is measured with every backend idle,
 * its worst case (all tie: two full passes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class PickBenchmark {

    @Param({"round-robin", "weighted-round-robin", "least-connections", "power-of-two", "consistent-hash", "random"})
    public String strategy;

    @Param({"3", "100", "1000"})
    public int backends;

    private Balancer balancer;

    /** A request from one client address, as the proxy's FrontendHandler presents it (no allocation). */
    private final RequestContext request = new RequestContext() {
        private final byte[] address = {(byte) 192, (byte) 168, 7, 42};

        @Override
        public byte[] sourceAddress() {
            return address;
        }

        @Override
        public CharSequence header(CharSequence name) {
            return null;
        }

        @Override
        public CharSequence cookie(CharSequence name) {
            return null;
        }
    };

    @Setup(Level.Trial)
    public void setUp() {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < backends; i++) {
            list.add(new Backend(new HostPort("10.0." + (i / 250) + "." + (i % 250 + 1), 8080), 1 + i % 4, false));
        }
        balancer = Balancer.over(new BackendPool("bench", list), strategy(strategy));
    }

    private static BalancingStrategy strategy(String name) {
        switch (name) {
            case "round-robin": return BalancingStrategy.roundRobin();
            case "weighted-round-robin": return BalancingStrategy.weightedRoundRobin();
            case "least-connections": return BalancingStrategy.leastConnections();
            case "power-of-two": return BalancingStrategy.powerOfTwo();
            case "consistent-hash": return BalancingStrategy.consistentHash(new HashOn(HashOn.Source.SOURCE_IP, null));
            case "random": return BalancingStrategy.random();
            default: throw new IllegalArgumentException(name);
        }
    }

    @Benchmark
    @Threads(1)
    public Backend pickSingleThread() {
        return balancer.pick(request);
    }

    @Benchmark
    @Threads(2)
    public Backend pickTwoThreads() {
        return balancer.pick(request);
    }
}
