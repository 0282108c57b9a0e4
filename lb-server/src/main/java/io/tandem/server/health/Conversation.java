package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.tandem.server.NetErrors;

/**
 * The handler of a check that talks a TCP protocol: it joins the probe's
 * connection once it is ready ({@link ProbeAttempt}), says its first words
 * ({@link #opened}), and hands everything received so far to {@link #received}
 * after each read until that returns a result. At most {@link #MAX_ANSWER}
 * bytes are kept: an answer that grows past it without a verdict fails. The
 * connection closing first fails the check. One per check, on its loop.
 */
abstract class Conversation extends ChannelInboundHandlerAdapter {

    /** Bytes of the answer kept for judging. */
    static final int MAX_ANSWER = 64 * 1024;

    private final Promise<ProbeResult> promise;
    private ByteBuf answer;
    /** The verdict once the connection is closed, set by {@link #leave}; null before. */
    private ProbeResult onClose;

    Conversation(Promise<ProbeResult> promise) {
        this.promise = promise;
    }

    /** The connection is ready: write what the check sends first (or nothing, for a server that speaks first). */
    abstract void opened(ChannelHandlerContext ctx);

    /**
     * The answer so far (readable bytes; the callee may consume them, and may write to {@code ctx}):
     * a result, or null to read on.
     */
    abstract ProbeResult received(ChannelHandlerContext ctx, ByteBuf answer);

    /**
     * Ends the conversation as its protocol wants: writes {@code farewell} (may be null), then closes the
     * connection with a FIN rather than the reset probes otherwise close with, so the server reads the
     * farewell and an orderly end (no "connection reset" in its log, no aborted session in its counters);
     * the check ends with {@code result} once the connection is closed. Returns null, for {@link #received}.
     */
    ProbeResult leave(ChannelHandlerContext ctx, ByteBuf farewell, ProbeResult result) {
        onClose = result;
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, -1);
        if (farewell == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(farewell).addListener(ChannelFutureListener.CLOSE);
        }
        return null;
    }

    /** What a connection closed before a verdict says. */
    String closedEarly() {
        return "connection closed before the expected answer";
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        answer = ctx.alloc().heapBuffer(256, MAX_ANSWER);
        opened(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (promise.isDone() || onClose != null) {
                return;
            }
            if (in.readableBytes() > answer.maxWritableBytes()) {
                promise.trySuccess(ProbeResult.fail("no expected answer in the first " + MAX_ANSWER / 1024
                        + " KiB"));
                return;
            }
            answer.writeBytes(in);
            ProbeResult result = received(ctx, answer);
            if (result != null) {
                promise.trySuccess(result);
            } else {
                answer.discardReadBytes();
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.trySuccess(onClose != null ? onClose : ProbeResult.fail(closedEarly()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        promise.trySuccess(ProbeResult.fail(NetErrors.describe(cause)));
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (answer != null) {
            answer.release();
            answer = null;
        }
    }
}
