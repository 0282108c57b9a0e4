package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * One direction of an upgraded connection (WebSocket, h2c, ...) or of a
 * {@code mode: tcp} listener's connection ({@link TcpSession}): the bytes of
 * one channel are written to the other as they are, with
 * backpressure: reading stops while the peer is not writable and resumes when
 * it drains. Either side closing closes the other once its bytes are flushed.
 * A TCP session's channels allow half-closure ({@link TcpSession}): a side
 * that ends its output (a FIN) has the other's output ended in turn once its
 * bytes are flushed, the other direction goes on, and both close when both
 * directions have ended, as HAProxy and nginx's {@code stream} do (a client
 * that sends a request and shuts its output down still gets the answer).
 * An upgrade's tunnel with no traffic either way for the pool's {@code idle}
 * timeout is closed (an {@link IdleStateHandler}); a TCP session's is timed by
 * the session, which each side's reads tell.
 *
 * <p>Both channels share the client's event loop; a tunnel is never shared.
 */
final class Tunnel extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    /** Run once when this side closes (the backend side keeps its connection count right). */
    private final Runnable onClose;
    /** Told after each batch of reads from this side (a TCP session's idle timer), or null. */
    private final Runnable onRead;
    /** Bytes read from this side (and written to the peer). */
    private long bytes;
    /** Why this side closed itself ({@code idle-timeout}, {@code shutdown}), or null when its peer did. */
    private String closedFor;
    /** The tunnel of the other direction, for a TCP session's half-closes; null in an upgrade's tunnel. */
    private Tunnel other;
    /** This side ended its output (its input here is shut down), and the peer's output was ended for it. */
    private boolean ended;
    /** This side ended its output while the other direction was still open: it ended the session. */
    private boolean endedFirst;

    private Tunnel(Channel peer, Runnable onClose, Runnable onRead) {
        this.peer = peer;
        this.onClose = onClose;
        this.onRead = onRead;
    }

    /**
     * Replaces the HTTP handlers of both channels (the {@link ClientConnection}
     * and the {@link BackendConnection}) with a tunnel each. Bytes a
     * codec had buffered are passed on by its removal, so none are lost.
     */
    static void join(Channel client, BackendConnection connection) {
        assert client.eventLoop().inEventLoop();
        Channel backend = connection.channel();
        client.pipeline().replace(ClientConnection.class, "tunnel", new Tunnel(backend, () -> { }, null));
        backend.pipeline().replace(BackendConnection.class, "tunnel",
                new Tunnel(client, connection::tunnelClosed, null));
        client.pipeline().remove(FrontendCodec.class);
        // The raw decoder has passed on every byte since the upgrade request; the
        // fallback decoder passes on what it holds after the 101 as it leaves.
        backend.pipeline().remove(RawResponseDecoder.class);
        backend.pipeline().remove(RawResponseDecoder.Fallback.class);
        backend.pipeline().remove(HttpRequestEncoder.class);
        // A tunnel is idle only when neither side sends: watch reads and writes now.
        IdleStateHandler reaper = backend.pipeline().get(IdleStateHandler.class);
        if (reaper != null) {
            backend.pipeline().replace(reaper, "idle", new IdleStateHandler(0, 0,
                    reaper.getReaderIdleTimeInMillis(), TimeUnit.MILLISECONDS));
        }
        client.config().setAutoRead(backend.isWritable());
        backend.config().setAutoRead(client.isWritable());
        if (!backend.isActive()) {
            closeOnFlush(client);
        }
    }

    /**
     * Puts a tunnel at the end of each pipeline of a TCP session whose backend connection is open (both
     * on the client's loop, both not reading yet), and starts reading each side while the other is
     * writable. Returns the client side's tunnel and the backend side's.
     *
     * @param onRead told after each batch of reads from either side
     */
    static Tunnel[] splice(Channel client, Channel backend, Runnable onClientClose, Runnable onBackendClose,
                           Runnable onRead) {
        assert client.eventLoop().inEventLoop();
        Tunnel fromClient = new Tunnel(backend, onClientClose, onRead);
        Tunnel fromBackend = new Tunnel(client, onBackendClose, onRead);
        fromClient.other = fromBackend;
        fromBackend.other = fromClient;
        client.pipeline().addLast("tunnel", fromClient);
        backend.pipeline().addLast("tunnel", fromBackend);
        if (client instanceof DuplexChannel d && d.isInputShutdown()) {
            // The client ended its output before the backend was there (after a ClientHello, say).
            fromClient.inputEnded();
        }
        client.config().setAutoRead(backend.isWritable());
        backend.config().setAutoRead(client.isWritable());
        return new Tunnel[] {fromClient, fromBackend};
    }

    /** Bytes read from this side so far. */
    long bytes() {
        return bytes;
    }

    /** Whether this side's FIN came while the other direction was still open (a TCP session's half-close). */
    boolean endedFirst() {
        return endedFirst;
    }

    /** Why this side closed itself, or null when it closed because its peer did or went away. */
    String closedFor() {
        return closedFor;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf && peer.isActive()) {
            bytes += ((ByteBuf) msg).readableBytes();
            peer.write(msg, peer.voidPromise());
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        } else {
            // The end marker the HTTP codec emits after the 101, or bytes for a closed peer.
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (onRead != null) {
            onRead.run();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onClose.run();
        closeOnFlush(peer);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && other != null) {
            inputEnded();
        } else if (evt instanceof IdleStateEvent || evt == ShutdownEvent.INSTANCE) {
            // Idle both ways, or the daemon is shutting down: a tunnel has no response to finish.
            closedFor = evt == ShutdownEvent.INSTANCE ? "shutdown" : "idle-timeout";
            ctx.close();
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * This side ended its output: once the bytes read from it are flushed, ends the peer's output too;
     * when the other direction had ended already, both channels close.
     */
    private void inputEnded() {
        if (ended) {
            return;
        }
        ended = true;
        endedFirst = !other.ended;
        if (!(peer instanceof DuplexChannel duplex) || !peer.isActive()) {
            return;
        }
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                return;
            }
            if (other.ended) {
                // Both directions are done: nothing more can pass either way.
                peer.close();
                other.peer.close();
            } else {
                duplex.shutdownOutput();
                // The peer's FIN now ends the session: Netty closes the channel on it (its channelInactive
                // closes this side once flushed) instead of shutting its input down first, a syscall and,
                // as the socket has closed by then, an exception per session.
                peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
            }
        });
    }

    private static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
