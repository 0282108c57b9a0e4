package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.tandem.config.ConfigLoader;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A reload's pools: which backends stay the same objects, which start anew, and what the summary lists. */
class PoolBuilderTest {

    private final EventLoopGroup loops = Transport.nio().newGroup(1, "test-io");
    private final List<SharedChange> shared = new ArrayList<>();
    private final PoolBuilder builder = new PoolBuilder(new ProxyMetrics(false), loops, shared::add, () -> true);

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static TandemConfig config(String backends) throws Exception {
        return ConfigLoader.parse(String.join("\n",
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { backends: [ " + backends + " ] } }",
                ""), "t.yaml");
    }

    private static Backend backend(Map<String, PoolRuntime> pools, String id) {
        return pools.get("web").pool().backend(id);
    }

    // A backend that stays (same address, backup flag, sticky id) is the same object; a changed one is new.
    @Test
    void keptBackendsAreTheSameObjects() throws Exception {
        Map<String, PoolRuntime> first = builder.build(config(
                "{ address: 127.0.0.1:9001 }, { address: 127.0.0.1:9002 }, { address: 127.0.0.1:9003 }"), Map.of());
        Map<String, PoolRuntime> next = builder.build(config(
                "{ address: 127.0.0.1:9001, weight: 3 }, { address: 127.0.0.1:9002, backup: true }, "
                        + "{ address: 127.0.0.1:9004 }"), first);
        assertThat(backend(next, "127.0.0.1:9001")).isSameAs(backend(first, "127.0.0.1:9001"));
        assertThat(backend(next, "127.0.0.1:9001").configuredWeight()).isEqualTo(3);
        assertThat(backend(next, "127.0.0.1:9002")).isNotSameAs(backend(first, "127.0.0.1:9002"));
        assertThat(backend(next, "127.0.0.1:9002").backup()).isTrue();
    }

    // The summary lists each backend removed and added, and a removed one is retired.
    @Test
    void replaceListsAndRetires() throws Exception {
        Map<String, PoolRuntime> first = builder.build(config(
                "{ address: 127.0.0.1:9001 }, { address: 127.0.0.1:9002 }"), Map.of());
        Map<String, PoolRuntime> next = builder.build(config(
                "{ address: 127.0.0.1:9001 }, { address: 127.0.0.1:9003 }"), first);
        List<String> changes = new ArrayList<>();
        builder.replace(first, next, changes);
        assertThat(changes).containsExactly("-backend web/127.0.0.1:9002", "+backend web/127.0.0.1:9003");
        assertThat(backend(first, "127.0.0.1:9002").retired()).isTrue();
        assertThat(backend(next, "127.0.0.1:9001").retired()).isFalse();
    }
}
