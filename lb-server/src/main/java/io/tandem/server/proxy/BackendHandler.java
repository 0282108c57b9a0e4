package io.tandem.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.pool.Backend;
import io.tandem.server.metrics.BackendMeters;

/**
 * The end of a backend connection: hands response parts to the exchange it
 * serves now, and looks after the connection while it idles in the pool.
 * Runs on the event loop of the client connection that opened it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private final Backend backend;
    private final BackendMeters meters;
    private Exchange exchange;

    BackendHandler(Backend backend, BackendMeters meters) {
        this.backend = backend;
        this.meters = meters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        meters.connectionOpened();
        ctx.fireChannelActive();
    }

    /** The connection, turned into a {@link Tunnel} after this handler left it, has closed. */
    void tunnelClosed() {
        meters.connectionClosed();
    }

    void bind(Exchange exchange) {
        this.exchange = exchange;
    }

    void unbind() {
        this.exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange != null && msg instanceof HttpObject) {
            exchange.onResponse((HttpObject) msg);
        } else {
            // Bytes from a backend nobody asked: the connection is no longer usable.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushToClient();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.upstreamWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meters.connectionClosed();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.onUpstreamClosed(null);
        } else {
            BackendConnections.current().remove(backend, ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && exchange == null) {
            ctx.close();
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.onUpstreamClosed(cause);
        }
        ctx.close();
    }
}
