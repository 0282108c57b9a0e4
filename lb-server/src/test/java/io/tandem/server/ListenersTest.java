package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.tandem.config.ConfigLoader;
import io.tandem.config.ListenerConfig;
import io.tandem.config.TandemConfig;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.Routing;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A reload's listeners on real loopback sockets: bound beside the running ones, or nothing changes. */
class ListenersTest {

    private final ProxyMetrics metrics = new ProxyMetrics(false);
    private final EventLoopGroup io = Transport.nio().newGroup(1, "test-io");
    private final Listeners listeners = new Listeners(Transport.nio(), io, metrics,
            new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE));

    @AfterEach
    void stop() {
        listeners.stopAccepting();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A config with one listener per {@code name=port} pair, all to pool web. */
    private static TandemConfig config(String... listeners) throws Exception {
        List<String> items = new ArrayList<>();
        for (String l : listeners) {
            String[] p = l.split("=");
            items.add("{ name: " + p[0] + ", bind: 127.0.0.1:" + p[1] + ", pool: web }");
        }
        return ConfigLoader.parse(String.join("\n",
                "listeners: [ " + String.join(", ", items) + " ]",
                "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }",
                ""), "t.yaml");
    }

    private Map<String, Routing> routings(TandemConfig config) {
        Map<String, PoolRuntime> pools = new PoolBuilder(metrics, io, c -> { }, () -> false).build(config, Map.of());
        Map<String, Routing> out = new LinkedHashMap<>();
        for (int i = 0; i < config.listeners().size(); i++) {
            ListenerConfig l = config.listeners().get(i);
            out.put(l.name(), new Routing(l, i, pools));
        }
        return out;
    }

    // A new listener that cannot bind refuses the reload with its address; the running one stays bound.
    @Test
    void failedBindChangesNothing() throws Exception {
        int a = freePort();
        TandemConfig first = config("a=" + a);
        listeners.start(first, routings(first), Map.of());
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            TandemConfig next = config("a=" + a, "b=" + taken.getLocalPort());
            assertThatThrownBy(() -> listeners.bindNew(next, routings(next), Map.of()))
                    .isInstanceOf(Listeners.BindFailed.class)
                    .hasMessageStartingWith("listeners.b: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": ");
        }
        assertThat(listeners.address("a").getPort()).isEqualTo(a);
        assertThat(listeners.address("b")).isNull();
        assertThat(listeners.notBound()).isNull();
    }

    // Added and removed listeners are listed for the summary; a removed one stops accepting.
    @Test
    void commitListsAddedAndRemoved() throws Exception {
        int a = freePort();
        int b = freePort();
        TandemConfig first = config("a=" + a);
        listeners.start(first, routings(first), Map.of());
        TandemConfig second = config("a=" + a, "b=" + b);
        Map<String, Routing> secondRoutings = routings(second);
        List<String> changes = new ArrayList<>();
        listeners.commit(first, second, listeners.bindNew(second, secondRoutings, Map.of()), secondRoutings,
                Map.of(), changes);
        assertThat(changes).containsExactly("+listener b");
        assertThat(listeners.address("b").getPort()).isEqualTo(b);
        assertThat(listeners.runtimes()).extracting(r -> r.routing()).containsExactly(secondRoutings.get("a"),
                secondRoutings.get("b"));

        TandemConfig third = config("b=" + b);
        Map<String, Routing> thirdRoutings = routings(third);
        changes.clear();
        listeners.commit(second, third, listeners.bindNew(third, thirdRoutings, Map.of()), thirdRoutings,
                Map.of(), changes);
        assertThat(changes).containsExactly("-listener a");
        assertThat(listeners.address("a")).isNull();
        assertThat(listeners.runtimes()).extracting(r -> r.name()).containsExactly("b");
        // The listener's socket closes on its accept loop: its port is free again within the deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (ServerSocket again = new ServerSocket(a, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
                assertThat(again.getLocalPort()).isEqualTo(a);
                break;
            } catch (java.net.BindException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }
}
