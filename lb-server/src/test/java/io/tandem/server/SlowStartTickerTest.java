package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.tandem.config.ConfigLoader;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When the slow-start ticks come: a tenth of the shortest ramp, else once a second. */
class SlowStartTickerTest {

    private final EventLoopGroup loops = Transport.nio().newGroup(1, "test-accept");

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private Map<String, PoolRuntime> pools(String web, String api) throws Exception {
        return new PoolBuilder(new ProxyMetrics(false), loops, c -> { }, () -> false).build(ConfigLoader.parse(
                String.join("\n",
                        "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                        "pools:",
                        "  web: { " + web + "backends: [ { address: 127.0.0.1:9001 } ] }",
                        "  api: { " + api + "backends: [ { address: 127.0.0.1:9002 } ] }",
                        ""), "t.yaml"), Map.of());
    }

    // Without a slow start in any pool the ticker looks again after a second.
    @Test
    void noSlowStartLooksEverySecond() throws Exception {
        Map<String, PoolRuntime> pools = pools("", "");
        assertThat(new SlowStartTicker(loops.next(), () -> pools).tick()).isEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    // Ramps of 5 s and 30 s: the next tick is a tenth of the shorter, 500 ms.
    @Test
    void shortestRampSetsTheTick() throws Exception {
        Map<String, PoolRuntime> pools = pools("slow-start: 30s, ", "slow-start: 5s, ");
        assertThat(new SlowStartTicker(loops.next(), () -> pools).tick())
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
    }
}
