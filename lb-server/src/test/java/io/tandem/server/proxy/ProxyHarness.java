package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.tandem.config.AccessLogConfig;
import io.tandem.config.CidrRange;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.OutlierConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.ProxyProtocolConfig;
import io.tandem.config.ProxyProtocolVersion;
import io.tandem.config.StrategyName;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.strategy.Balancer;
import io.tandem.core.strategy.BalancingStrategy;
import io.tandem.server.Transport;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.metrics.ProxyMetrics;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A listener with one pool of backends {@code b1, b2, ...} whose connections
 * are {@link EmbeddedChannel}s with the real backend pipeline, and client
 * connections that are {@link EmbeddedChannel}s with the real client
 * pipeline: the whole proxy path in one thread, bytes in and bytes out.
 */
final class ProxyHarness implements BackendConnector {

    static final long RESPONSE_TIMEOUT_MS = 5_000;

    final List<Backend> backends = new ArrayList<>();
    final PoolRuntime pool;
    final ListenerRuntime listener;
    /** The backend channels opened so far, in order. */
    final List<EmbeddedChannel> opened = new ArrayList<>();
    /** Which backend each opened channel (or failed connect) went to, in order. */
    final List<String> connects = new ArrayList<>();
    /** Per backend: connect failures to report before connects succeed. */
    private final Map<Backend, ArrayDeque<Throwable>> refusals = new HashMap<>();
    private final List<EmbeddedChannel> spare = new ArrayList<>();

    ProxyHarness(int backendCount, int retries) {
        this(backendCount, retries, null);
    }

    /** {@code proxyProtocol}: the PROXY header the pool sends its backends, or null for none. */
    ProxyHarness(int backendCount, int retries, ProxyProtocolVersion proxyProtocol) {
        for (int i = 1; i <= backendCount; i++) {
            backends.add(new Backend(new HostPort("10.0.0." + i, 80), 1, false));
        }
        PoolConfig config = new PoolConfig("web", StrategyName.ROUND_ROBIN, Optional.empty(), List.of(),
                Optional.empty(), Duration.ofSeconds(1), Duration.ofMillis(RESPONSE_TIMEOUT_MS), Duration.ofSeconds(60),
                retries, Duration.ZERO, Optional.empty(), OutlierConfig.DEFAULT, Optional.ofNullable(proxyProtocol),
                Optional.empty());
        BackendPool backendPool = new BackendPool("web", backends);
        ProxyMetrics metrics = new ProxyMetrics(false);
        PoolMeters meters = new PoolMeters(metrics, backendPool, List.of("web"));
        PoolHealth health = new PoolHealth(backendPool, Optional.empty(), OutlierConfig.DEFAULT, System::nanoTime,
                new PoolHealth.Listener() {
                    @Override
                    public void stateChanged(io.tandem.core.health.StateChange change) {}

                    @Override
                    public void ejected(Backend backend, Duration duration, String reason) {}

                    @Override
                    public void returnDueIn(long nanos) {}
                });
        health.activate(null);
        pool = new PoolRuntime(config, backendPool, Balancer.over(backendPool, BalancingStrategy.roundRobin()), meters,
                health);
        ListenerConfig listenerConfig = new ListenerConfig("web", new HostPort("127.0.0.1", 8080), "web",
                Duration.ofSeconds(10), Duration.ofSeconds(60), 32 * 1024, 8 * 1024, List.of(), AccessLogConfig.OFF);
        Routing routing = new Routing(listenerConfig, 0, Map.of("web", pool));
        listener = new ListenerRuntime("web", routing, metrics, Transport.nio(),
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE), this);
    }

    /** A client connection from 192.0.2.7 with the listener's real pipeline. */
    EmbeddedChannel client() {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(8 * 1024 + 32)
                .setMaxHeaderSize(32 * 1024)
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true)
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValueValidation(false))
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false);
        FrontendHandler handler = new FrontendHandler(listener);
        return new EmbeddedChannel(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("codec", new FrontendCodec(decoder, handler)).addLast("proxy", handler);
            }
        }) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("192.0.2.7", 50000);
            }
        };
    }

    /** The listener reads a PROXY header from connections of {@code from}, as after a reload that set it. */
    void acceptProxyProtocol(String... from) {
        ListenerConfig l = listener.routing().listener();
        ProxyProtocolConfig proxyProtocol = new ProxyProtocolConfig(true,
                java.util.Arrays.stream(from).map(CidrRange::parse).toList());
        listener.routing(new Routing(new ListenerConfig(l.name(), l.bind(), l.pool(), l.headerTimeout(),
                l.idleTimeout(), l.maxHeaderSize(), l.maxUriLength(), l.routes(), l.accessLog(), proxyProtocol,
                l.tls(), l.redirectHttp(), l.hsts()), 0,
                Map.of("web", pool)));
    }

    /** The listener's routes are {@code routes} (to pool {@code web} or answering themselves), as after a reload. */
    void routes(io.tandem.config.RouteConfig... routes) {
        ListenerConfig l = listener.routing().listener();
        listener.routing(new Routing(new ListenerConfig(l.name(), l.bind(), l.pool(), l.headerTimeout(),
                l.idleTimeout(), l.maxHeaderSize(), l.maxUriLength(), List.of(routes), l.accessLog(),
                l.proxyProtocol(), l.tls(), l.redirectHttp(), l.hsts()), 0, Map.of("web", pool)));
    }

    /**
     * A client connection from {@code ip}:50000 to 127.0.0.1:8080 with the
     * pipeline the listener's real {@link ProxyInitializer} builds.
     */
    EmbeddedChannel clientFrom(String ip) {
        return new EmbeddedChannel(new ProxyInitializer(listener)) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(ip, 50000);
            }

            @Override
            protected SocketAddress localAddress0() {
                return new InetSocketAddress("127.0.0.1", 8080);
            }
        };
    }

    Backend backend(int n) {
        return backends.get(n - 1);
    }

    /** The next connect to backend {@code n} fails with {@code cause}. */
    void refuse(int n, Throwable cause) {
        refusals.computeIfAbsent(backend(n), b -> new ArrayDeque<>()).add(cause);
    }

    /** Offers {@code ch} (an opened backend channel) as an idle pooled connection to backend {@code n}. */
    void pool(int n, EmbeddedChannel ch) {
        BackendConnections.current().offer(backend(n), ch);
    }

    /** A connected backend channel to backend {@code n}, as a pool would hold one. */
    EmbeddedChannel connection(int n) {
        EmbeddedChannel ch = newBackendChannel(backend(n));
        spare.add(ch);
        return ch;
    }

    /** The loop's real pool, as in production: a released connection is found again. */
    @Override
    public BackendConnection pooled(Backend backend) {
        Channel ch = BackendConnections.current().poll(backend);
        return ch == null ? null : BackendConnection.of(ch);
    }

    @Override
    public ChannelFuture open(Backend backend, PoolSettings settings, BackendMeters meters, EventLoop loop,
                              PrivateConnections owner) {
        connects.add(backend.id());
        ArrayDeque<Throwable> refused = refusals.get(backend);
        if (refused != null && !refused.isEmpty()) {
            EmbeddedChannel nothing = new EmbeddedChannel();
            spare.add(nothing);
            return new DefaultChannelPromise(nothing, ImmediateEventExecutor.INSTANCE).setFailure(refused.poll());
        }
        EmbeddedChannel ch = owner == null ? newBackendChannel(backend)
                : new EmbeddedChannel(new BackendInitializer(backend, pool.meters().of(backend),
                        settings.idleTimeoutMillis(), owner, owner.header(settings.proxyProtocol())));
        opened.add(ch);
        return ch.newSucceededFuture();
    }

    private EmbeddedChannel newBackendChannel(Backend backend) {
        return new EmbeddedChannel(new BackendInitializer(backend, pool.meters().of(backend),
                pool.settings().idleTimeoutMillis()));
    }

    /** Closes every channel made here; true if any still held a message (then the test left something unread). */
    boolean finishBackends() {
        boolean left = false;
        for (EmbeddedChannel ch : opened) {
            left |= ch.finishAndReleaseAll();
        }
        for (EmbeddedChannel ch : spare) {
            left |= ch.finishAndReleaseAll();
        }
        return left;
    }

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Everything written to {@code ch} so far, as text; the buffers are released. */
    static String written(Channel ch) {
        EmbeddedChannel e = (EmbeddedChannel) ch;
        StringBuilder out = new StringBuilder();
        for (Object o; (o = e.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }
}
