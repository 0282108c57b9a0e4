package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.tandem.server.metrics.ListenerMeters;

/**
 * Counts a listener's client connections and the bytes they carry, at the
 * socket end of the pipeline (before the HTTP codec): one add to a striped
 * counter per read or write, never a meter lookup. Shared by all connections
 * of a listener; left out of the pipeline when request metrics are off.
 */
@ChannelHandler.Sharable
final class ClientTraffic extends ChannelDuplexHandler {

    private final ListenerMeters meters;

    ClientTraffic(ListenerMeters meters) {
        this.meters = meters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        meters.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meters.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            meters.received(((ByteBuf) msg).readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            meters.sent(((ByteBuf) msg).readableBytes());
        } else if (msg instanceof ByteBufHolder) {
            meters.sent(((ByteBufHolder) msg).content().readableBytes());
        }
        ctx.write(msg, promise);
    }
}
