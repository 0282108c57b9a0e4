package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A stream on an HTTP/2 backend connection ({@link Http2Backends}) as the {@link BackendConnection} an
 * exchange binds: the response's objects (from {@link Http2ClientStreamCodec}) go to the exchange, and
 * the stream is never reused: at the response's end, or when the client leaves, it is closed (a stream
 * not yet ended is reset with CANCEL, which tells the backend to stop; the connection carries on).
 *
 * <p>Confined to the stream's event loop (its connection's, the client's).
 */
final class Http2BackendStream extends ChannelInboundHandlerAdapter implements BackendConnection {

    private Channel channel;
    private ResponseListener exchange;
    private boolean ended;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public void bind(ResponseListener listener, boolean headRequest, boolean raw) {
        // Responses come as objects whatever raw says: they are made from frames.
        this.exchange = listener;
    }

    @Override
    public void unbind() {
        exchange = null;
    }

    @Override
    public void release(boolean reusable) {
        exchange = null;
        channel.close();
    }

    @Override
    public void drain() {
        exchange = null;
        channel.close();
    }

    @Override
    public void tunnelClosed() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
            ended = true;
        }
        if (exchange != null && msg instanceof HttpObject) {
            exchange.response((HttpObject) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.readComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ResponseListener e = exchange;
        exchange = null;
        if (e != null && !ended) {
            // Reset by the backend, or its connection lost: the exchange decides (retry, 502, cut).
            e.backendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ResponseListener e = exchange;
        exchange = null;
        if (e != null && !ended) {
            e.backendClosed(cause);
        }
        ctx.close();
    }
}
