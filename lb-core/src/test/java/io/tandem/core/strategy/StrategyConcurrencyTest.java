package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HashOn;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StrategyConcurrencyTest {

    static Stream<Arguments> strategies() {
        return Stream.of(
                Arguments.of("round-robin", BalancingStrategy.roundRobin()),
                Arguments.of("weighted-round-robin", BalancingStrategy.weightedRoundRobin()),
                Arguments.of("least-connections", BalancingStrategy.leastConnections()),
                Arguments.of("power-of-two", BalancingStrategy.powerOfTwo()),
                Arguments.of("consistent-hash", BalancingStrategy.consistentHash(new HashOn(HashOn.Source.SOURCE_IP, null))),
                Arguments.of("random", BalancingStrategy.random()));
    }

    /**
     * Four threads pick (and count in-flight) while a fifth flips backends down
     * and up 300 times, changes weights, and finally takes backend "e" down
     * for good. No pick throws or returns null (some backend is always up), and
     * in the 50,000 picks each thread makes after it has seen that the final
     * removal happened, it never gets "e". Bounded: at most 100 million picks
     * per thread.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void picksStayValidWhileMembershipChanges(String name, BalancingStrategy strategy) throws Exception {
        List<Backend> bs = backends(1, 2, 3, 1, 2, 1);
        Backend removed = bs.get(4);
        Balanced pool = balanced(bs, strategy);
        AtomicReference<Backend> gone = new AtomicReference<>();
        CountDownLatch picking = new CountDownLatch(4);
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try {
            List<Future<String>> pickers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                pickers.add(threads.submit(() -> {
                    RequestContext r = TestPools.request(new byte[] {10, 0, 0, (byte) seed}, null, null, null, null);
                    int afterRemoval = 0;
                    for (int i = 0; i < 100_000_000 && afterRemoval < 50_000; i++) {
                        if ((i & 0xfff) == 0) {
                            // A counted loop has no safepoint poll under SerialGC: yielding now and then
                            // lets the churn thread's GCs (and its CPU share on 2 cores) through.
                            Thread.yield();
                        }
                        if (i == 1_000) {
                            picking.countDown();
                        }
                        Backend seenGone = gone.get();
                        if (seenGone != null) {
                            afterRemoval++;
                        }
                        Backend b = pool.pick(i % 2 == 0 ? r : RequestContext.NONE);
                        if (b == null) {
                            return "null pick at " + i;
                        }
                        if (seenGone != null && b == seenGone) {
                            return "picked " + b + " after its removal was visible";
                        }
                        b.requestStarted();
                        b.requestEnded();
                    }
                    return afterRemoval == 50_000 ? "ok" : "the removal was never seen";
                }));
            }
            Future<?> churn = threads.submit(() -> {
                // Churn only once every picker is picking, so the two overlap.
                picking.await();
                for (int i = 0; i < 300; i++) {
                    Backend b = bs.get(1 + i % 5);
                    pool.pool().setState(b, BackendState.DOWN);
                    pool.pool().setWeight(bs.get(i % 6), 1 + i % 4);
                    pool.pool().setState(b, BackendState.UP);
                }
                pool.pool().setState(removed, BackendState.DOWN);
                gone.set(removed);
                return null;
            });
            churn.get(60, TimeUnit.SECONDS);
            for (Future<String> p : pickers) {
                assertThat(p.get(60, TimeUnit.SECONDS)).isEqualTo("ok");
            }
            assertThat(pool.pool().live()).doesNotContain(removed).hasSize(5);
            for (Backend b : bs) {
                assertThat(b.inFlight()).isZero();
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
