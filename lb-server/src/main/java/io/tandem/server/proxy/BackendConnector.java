package io.tandem.server.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.tandem.core.pool.Backend;
import io.tandem.server.Buffers;
import io.tandem.server.Transport;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.tls.BackendTls;

/**
 * Where an exchange gets its backend connections: an idle one from the calling
 * loop's pool, or a new one opened on the client's loop (DESIGN.md decision 1).
 * An interface so that a test can hand an {@code EmbeddedChannel} as the backend.
 */
interface BackendConnector {

    /** An idle pooled connection to {@code backend} on the calling loop, or null. */
    BackendConnection pooled(Backend backend);

    /**
     * Starts opening a connection to {@code backend} on {@code loop}, with the
     * backend pipeline ({@link BackendInitializer}), secured first when the
     * pool has TLS (behind the PROXY header, which precedes the handshake); the
     * channel it completes with holds a {@link BackendConnection}. {@code owner}:
     * the client whose PROXY header the connection starts with and who alone
     * may reuse it, or null for a connection of the loop's shared pool.
     */
    ChannelFuture open(Backend backend, PoolSettings settings, BackendMeters meters, EventLoop loop,
                       PrivateConnections owner);

    /** Sockets of {@code transport}, pooled per loop in {@link BackendConnections}. */
    static BackendConnector of(Transport transport) {
        return new Sockets(transport);
    }

    /** The real one: TCP connections on the listener's transport. */
    final class Sockets implements BackendConnector {

        private final Transport transport;

        private Sockets(Transport transport) {
            this.transport = transport;
        }

        @Override
        public BackendConnection pooled(Backend backend) {
            Channel ch = BackendConnections.current().poll(backend);
            return ch == null ? null : BackendConnection.of(ch);
        }

        /** For a pool with TLS, the future completes when the handshake is done, within the connect timeout. */
        @Override
        public ChannelFuture open(Backend backend, PoolSettings settings, BackendMeters meters, EventLoop loop,
                                  PrivateConnections owner) {
            if (settings.h2c()) {
                // A stream on one of the loop's HTTP/2 connections to the backend.
                return Http2Backends.current().open(backend, settings, meters, loop, transport);
            }
            long start = System.nanoTime();
            BackendInitializer pipeline = owner == null
                    ? new BackendInitializer(backend, meters, settings.idleTimeoutMillis())
                    : new BackendInitializer(backend, meters, settings.idleTimeoutMillis(), owner,
                            owner.header(settings.proxyProtocol()));
            ChannelFuture connect = new Bootstrap()
                    .group(loop)
                    .channel(transport.socketChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                    .option(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                    .handler(pipeline)
                    .connect(backend.socketAddress());
            BackendTls tls = settings.tls();
            if (tls == null) {
                return connect;
            }
            ChannelFuture ready = tls.secure(connect, backend.address(), start, settings.connectTimeoutMillis(),
                    ProxyHeaderWriter.NAME);
            ready.addListener(f -> {
                // (A handshake cut by the daemon's own shutdown says nothing of the backend.)
                if (!f.isSuccess() && connect.isSuccess() && !loop.isShuttingDown()) {
                    tls.requestHandshakeFailed(backend.address(), f.cause());
                }
            });
            return ready;
        }
    }
}
