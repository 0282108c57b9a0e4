package io.tandem.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.tandem.config.BackendConfig;
import io.tandem.config.ListenerConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.strategy.Strategies;
import io.tandem.server.admin.AdminServer;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.ProxyInitializer;
import io.tandem.server.proxy.Routing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tandem node: event loops, pools, listeners and the admin
 * endpoint built from a config. {@link #start()} binds everything or fails;
 * {@link #close()} stops accepting, lets in-flight requests end, and releases
 * the event loops.
 */
public final class TandemServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    private final TandemConfig config;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup workerGroup;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final Map<String, PoolRuntime> pools = new LinkedHashMap<>();
    private final List<ListenerRuntime> listeners = new ArrayList<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final Instant startedAt = Instant.now();
    private AdminServer admin;

    public TandemServer(TandemConfig config, int workerThreads) {
        this.config = config;
        this.transport = Transport.best();
        this.acceptGroup = transport.newGroup(1, "tandem-accept");
        this.workerGroup = transport.newGroup(workerThreads, "tandem-io");
    }

    public TandemConfig config() {
        return config;
    }

    public Map<String, PoolRuntime> pools() {
        return pools;
    }

    public List<ListenerRuntime> listeners() {
        return listeners;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Transport transport() {
        return transport;
    }

    /** Builds pools and binds listeners and admin; on failure, everything bound so far is closed. */
    public void start() throws InterruptedException {
        List<String> listenerNames = new ArrayList<>();
        for (ListenerConfig l : config.listeners()) {
            listenerNames.add(l.name());
        }
        for (PoolConfig p : config.pools().values()) {
            List<Backend> backends = new ArrayList<>();
            for (BackendConfig b : p.backends()) {
                backends.add(new Backend(b.address(), b.weight(), b.backup()));
            }
            BackendPool pool = new BackendPool(p.name(), backends, Strategies.forPool(p));
            pools.put(p.name(), new PoolRuntime(p, pool, new PoolMeters(metrics, pool, listenerNames)));
        }
        try {
            admin = new AdminServer(this);
            admin.bind(acceptGroup, config.admin().bind());
            for (int i = 0; i < config.listeners().size(); i++) {
                ListenerConfig l = config.listeners().get(i);
                ListenerRuntime runtime = new ListenerRuntime(l.name(), i, new Routing(l, pools), metrics, transport);
                listeners.add(runtime);
                serverChannels.add(bind(runtime, l));
                log.info("listener {} on {} (pool {}, transport {})", l.name(), l.bind(), l.pool(), transport.name());
            }
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    private Channel bind(ListenerRuntime runtime, ListenerConfig l) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ProxyInitializer(runtime));
        return b.bind(l.bind().resolve()).sync().channel();
    }

    /** The address a listener is bound to (useful with port 0). */
    public java.net.InetSocketAddress listenerAddress(int index) {
        return (java.net.InetSocketAddress) serverChannels.get(index).localAddress();
    }

    public java.net.InetSocketAddress adminAddress() {
        return admin.address();
    }

    @Override
    public void close() {
        for (Channel ch : serverChannels) {
            ch.close().awaitUninterruptibly();
        }
        if (admin != null) {
            admin.close();
        }
        // A quiet period lets requests in flight end before the loops stop.
        workerGroup.shutdownGracefully(200, Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly();
        acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
