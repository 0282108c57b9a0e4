package io.tandem.server.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.pool.Backend;
import io.tandem.core.strategy.RequestContext;
import io.tandem.server.Buffers;
import io.tandem.server.NetErrors;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.metrics.ProxyProtocolRejection;
import io.tandem.server.metrics.RetryCause;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of a {@code mode: tcp} listener: when it opens, a
 * backend is chosen by the pool's strategy (consistent hash on the client's
 * address, where asked; on a listener that accepts the PROXY protocol, the
 * address its header gives, read first) and connected to on the client's own event loop,
 * while nothing is read from the client; a refused or timed-out connect
 * tries the next untried backend, up to the pool's {@code retries}, so every
 * retry happens before the first byte either way. On a listener with
 * {@code sni-routes} the pool is chosen first by the ClientHello's SNI name
 * ({@link SniPeek}); the bytes read for it wait here and go to the backend
 * first, unchanged. Once connected, a
 * {@link Tunnel} on each side relays the bytes with backpressure, and a
 * side's FIN with a FIN to the other (half-closure). The
 * session ends when both sides are closed; {@link #finish} writes its
 * access-log line and counts it.
 *
 * <p>One {@link ConnectionTimer} closes a session that sees no byte for the
 * listener's {@code timeouts.idle} (before the splice: no PROXY header,
 * ClientHello or backend connection in time), and once spliced for the shorter
 * of the listener's and the pool's: every byte of a session is read on one
 * side and written on the other, so one clock, reset when either side reads,
 * does what an idle timer on each channel did at half the cost (no second
 * scheduled task, no promise per write to watch the writes).
 *
 * <p>Confined to the client channel's event loop.
 */
final class TcpSession extends ChannelInboundHandlerAdapter implements RequestContext {

    private final ListenerRuntime listener;
    private final Routing routing;
    private PoolRuntime pool;
    private Channel client;
    private final BackendChoice choice = new BackendChoice();
    private long startNanos;
    private byte[] sourceAddress;
    private Backend backend;
    private BackendMeters meters;
    private Channel backendChannel;
    private Tunnel fromClient;
    private Tunnel fromBackend;
    /** Why the session ended, for the access log: the first side to close, or why no backend took it. */
    private String ending;
    private int open;
    private boolean finished;
    /** Bytes read before the backend was connected (the ClientHello an SNI route was chosen by), or null. */
    private CompositeByteBuf pending;
    private long pendingBytes;
    /** The session's idle timer (started when the client connection is), and its timeout now. */
    private ConnectionTimer idleTimer;
    private long idleNanos;
    /** What the timer runs when it expires: one object for the session, not one per read. */
    private final Runnable onIdle = this::idle;

    /** Whether the connection must start with a PROXY header that is not read yet. */
    private boolean awaitingProxyHeader;
    /** The client's and the destination's address, from the socket or from a PROXY header. */
    private InetSocketAddress clientAddress;
    private InetSocketAddress destination;

    /**
     * @param routing the listener's routing when the connection was accepted (its SNI reader has the same)
     * @param proxyHeader whether the connection starts with a PROXY header (a trusted balancer's)
     */
    TcpSession(ListenerRuntime listener, Routing routing, boolean proxyHeader) {
        this.listener = listener;
        this.routing = routing;
        this.awaitingProxyHeader = proxyHeader;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        startNanos = System.nanoTime();
        if (client.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            clientAddress = a;
            sourceAddress = a.getAddress().getAddress();
        }
        if (client.localAddress() instanceof InetSocketAddress a) {
            destination = a;
        }
        idleNanos = routing.idleTimeoutNanos();
        idleTimer = new ConnectionTimer(client.eventLoop(), idleNanos);
        active();
        if (awaitingProxyHeader || routing.routesBySni()) {
            // The client's address (for the hash, the log and a PROXY header to the backend) or the pool
            // depends on what the client sends first: read it (the decoders read on until they have it).
            ctx.read();
        } else {
            start(routing.defaultPool());
        }
        ctx.fireChannelActive();
    }

    /**
     * The PROXY header a trusted balancer started the connection with: its addresses become the client's
     * and the destination's ({@code LOCAL} and {@code UNKNOWN} keep the socket's, as the protocol says).
     * Then the pool is chosen, by the ClientHello that follows on a listener with SNI routes.
     */
    private void proxyHeader(HAProxyMessage header) {
        try {
            awaitingProxyHeader = false;
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (header.command() == HAProxyCommand.PROXY
                    && (protocol == HAProxyProxiedProtocol.TCP4 || protocol == HAProxyProxiedProtocol.TCP6)) {
                // Literals the decoder validated: no name lookup.
                clientAddress = new InetSocketAddress(
                        NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()), header.sourcePort());
                sourceAddress = clientAddress.getAddress().getAddress();
                destination = new InetSocketAddress(
                        NetUtil.createInetAddressFromIpAddressString(header.destinationAddress()),
                        header.destinationPort());
            }
        } finally {
            header.release();
        }
        if (routing.routesBySni()) {
            client.read();
        } else {
            start(routing.defaultPool());
        }
    }

    /** Chooses a backend of {@code chosen} and connects to it. */
    private void start(PoolRuntime chosen) {
        pool = chosen;
        choice.begin(pool, this);
        connectNext(null);
    }

    /** Connects to the next backend; {@code lastFailure} is why the previous one failed, or null for the first. */
    private void connectNext(Throwable lastFailure) {
        Backend next = choice.next();
        if (next == null) {
            ending = choice.tried() == 0 ? "no-backend" : NetErrors.isTimeout(lastFailure) ? "connect-timeout"
                    : "connect-failed";
            client.close();
            return;
        }
        if (lastFailure != null) {
            pool.meters().retried(RetryCause.CONNECT_FAILURE);
        }
        backend = next;
        meters = pool.meters().of(next);
        // In flight for the whole session: least-connections counts sessions.
        next.requestStarted();
        PoolSettings settings = pool.settings();
        ChannelFuture connect = new Bootstrap()
                .group(client.eventLoop())
                .channel(listener.transport().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel b) {
                        if (settings.proxyProtocol() != null) {
                            ProxyHeaderWriter.install(b.pipeline(), ProxyHeaders.proxied(settings.proxyProtocol(),
                                    clientAddress, destination));
                        }
                    }
                })
                .connect(next.socketAddress());
        connect.addListener((ChannelFuture f) -> connected(f, next));
    }

    private void connected(ChannelFuture f, Backend target) {
        if (!client.isActive()) {
            // The client left while connecting.
            target.requestEnded();
            if (f.isSuccess()) {
                f.channel().close();
            }
            backend = f.isSuccess() ? target : null;
            finish();
            return;
        }
        if (!f.isSuccess()) {
            target.requestEnded();
            backend = null;
            meters.failed();
            pool.health().connectionFailed(target, NetErrors.describe(f.cause()));
            connectNext(f.cause());
            return;
        }
        backendChannel = f.channel();
        meters.connectionOpened();
        open = 2;
        idleNanos = Math.min(idleNanos, TimeUnit.MILLISECONDS.toNanos(pool.settings().idleTimeoutMillis()));
        active();
        if (pending != null) {
            // The bytes read to choose the pool go first, as they came (behind a PROXY header, if any).
            backendChannel.writeAndFlush(pending, backendChannel.voidPromise());
            pending = null;
        }
        client.pipeline().remove(this);
        Tunnel[] tunnels = Tunnel.splice(client, backendChannel, () -> sideClosed("client-closed"),
                () -> {
                    meters.connectionClosed();
                    sideClosed("backend-closed");
                }, this::active);
        fromClient = tunnels[0];
        fromBackend = tunnels[1];
        TcpSessions.current().add(target, this);
    }

    /** The backend failed its checks and the pool's {@code on-down} grace ran out: both sides close now. */
    void backendDown() {
        if (ending == null) {
            ending = "backend-down";
        }
        client.close();
        backendChannel.close();
    }

    /** A side read bytes (or the session began, or reached its backend): the idle timeout starts again. */
    private void active() {
        idleTimer.arm(idleNanos, onIdle);
    }

    /** No byte either way for the idle timeout: both sides close. */
    private void idle() {
        if (ending == null) {
            ending = "idle-timeout";
        }
        if (awaitingProxyHeader) {
            listener.meters().proxyProtocolRejected(ProxyProtocolRejection.TIMEOUT);
        }
        client.close();
        if (backendChannel != null) {
            backendChannel.close();
        }
    }

    /** One side of a spliced session closed; the first to close says why the session ended. */
    private void sideClosed(String closed) {
        if (ending == null) {
            String why = fromClient.closedFor() != null ? fromClient.closedFor() : fromBackend.closedFor();
            if (why == null) {
                // After half-closes both channels close together: the side whose FIN came first ended it.
                why = fromClient.endedFirst() ? "client-closed" : fromBackend.endedFirst() ? "backend-closed" : null;
            }
            ending = why != null ? why : closed;
        }
        if (--open == 0) {
            TcpSessions.current().remove(backend, this);
            backend.requestEnded();
            finish();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Closed before a backend connection was spliced in: no backend, or the client left while connecting.
        if (ending == null) {
            ending = "client-closed";
        }
        if (backend == null) {
            finish();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Before the splice only a PROXY header and an SNI route read: the ClientHello (and what came with
        // it, or after the header) waits here.
        if (msg instanceof HAProxyMessage header) {
            proxyHeader(header);
        } else if (msg instanceof ByteBuf b && client.isActive()) {
            if (pending == null) {
                pending = ctx.alloc().compositeBuffer();
            }
            pendingBytes += b.readableBytes();
            pending.addComponent(true, b);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniPeek.Routed r) {
            start(r.pool());
        } else if (evt == ShutdownEvent.INSTANCE) {
            ending = "shutdown";
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** The one end of every session: its count and its access-log line. */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (idleTimer != null) {
            idleTimer.stop();
        }
        long nanos = System.nanoTime() - startNanos;
        boolean spliced = fromClient != null;
        if (spliced) {
            meters.tcpSession(routing.listenerIndex());
        } else if (pool != null && (ending.equals("no-backend") || ending.startsWith("connect-"))) {
            // Not a client that left before its backend was connected: no backend took the connection.
            pool.meters().tcpSessionFailed(routing.listenerIndex());
        }
        AccessLog log = routing.accessLog();
        if (log != AccessLog.OFF) {
            // Not even the client's address is formatted for a listener that does not log.
            log.session(clientAddress(), spliced ? backend.id() : null,
                    spliced ? pendingBytes + fromClient.bytes() : 0, spliced ? fromBackend.bytes() : 0, nanos, ending);
        }
    }

    private String clientAddress() {
        return clientAddress != null ? NetUtil.toSocketAddressString(clientAddress)
                : String.valueOf(client.remoteAddress());
    }

    @Override
    public byte[] sourceAddress() {
        return sourceAddress;
    }

    @Override
    public CharSequence header(CharSequence name) {
        return null;
    }

    @Override
    public CharSequence cookie(CharSequence name) {
        return null;
    }
}
