package io.tandem.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import java.util.function.Function;

/**
 * Reads the TLS ClientHello of a {@code mode: tcp} listener's connection
 * without terminating TLS, to route by its SNI name: Netty's ClientHello
 * reader (which joins a ClientHello split over several records) gives the
 * name, the listener's {@link Routing} the pool, which goes to the
 * {@link TcpSession} as a {@link Routed} event; then this handler leaves,
 * and the bytes it read go on, unchanged, as they came. Bytes that are no
 * TLS handshake go to the default pool. A ClientHello over 64 KiB, or a
 * zero-length handshake record, closes the connection. One per connection,
 * on its event loop.
 */
final class SniPeek extends AbstractSniHandler<PoolRuntime> {

    /** Longest ClientHello read; real ones are a few KiB even with post-quantum key shares. */
    static final int MAX_CLIENT_HELLO = 64 * 1024;

    /** The pool chosen for a connection by its SNI name ({@code sni} null: none, or not TLS). */
    record Routed(PoolRuntime pool, String sni) {}

    /** The pool for an SNI name (null: none): the listener's {@link Routing#sniRoute}. */
    private final Function<String, PoolRuntime> route;

    SniPeek(Function<String, PoolRuntime> route) {
        // No timeout of its own: the connection's idle timer bounds the wait for a ClientHello.
        super(MAX_CLIENT_HELLO, 0L);
        this.route = route;
    }

    @Override
    protected Future<PoolRuntime> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(route.apply(hostname));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<PoolRuntime> future) {
        ctx.fireUserEventTriggered(new Routed(future.getNow(), hostname));
        // Removing the reader passes on every byte it holds, as it came.
        ctx.pipeline().remove(this);
    }
}
