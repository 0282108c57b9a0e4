package io.tandem.server.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.tandem.server.NetErrors;

/**
 * A check's one HTTP/2 exchange: joins a probe connection once it is ready (connected; for a pool with TLS,
 * the handshake done and h2 selected by ALPN, see {@code BackendTls}), puts the HTTP/2 codec on it, and sends
 * the request's head and body on the connection's one stream. {@code call} sits behind the codec and reads the
 * stream's frames (a probe's connection carries no other stream, so no multiplexing handler is needed); a
 * reset of the stream or a GOAWAY ends the check with that reason. The connection is the probe's and closes
 * with its result ({@link ProbeAttempt}).
 */
final class Http2ProbeStream extends ChannelInitializer<Channel> {

    private final Promise<ProbeResult> promise;
    private final Http2Headers head;
    private final byte[] body;
    private final ChannelHandler call;

    /** {@code body}: the request's body, or null for none (the head ends the stream). */
    Http2ProbeStream(Promise<ProbeResult> promise, Http2Headers head, byte[] body, ChannelHandler call) {
        this.promise = promise;
        this.head = head;
        this.body = body;
        this.call = call;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
        ch.pipeline().addLast(new Request());
        ch.pipeline().addLast(call);
    }

    /**
     * Sends the request on a new stream as it joins the pipeline behind the codec, and ends the check on a
     * reset of its stream or a GOAWAY, which {@code call} does not read.
     */
    private final class Request extends Http2ChannelDuplexHandler {

        @Override
        protected void handlerAdded0(ChannelHandlerContext ctx) {
            Http2FrameStream stream = newStream();
            ChannelFutureListener failed = f -> {
                if (!f.isSuccess()) {
                    promise.trySuccess(ProbeResult.fail(NetErrors.describe(f.cause())));
                }
            };
            if (body == null) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(head, true).stream(stream)).addListener(failed);
            } else {
                ctx.write(new DefaultHttp2HeadersFrame(head, false).stream(stream)).addListener(failed);
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(stream))
                        .addListener(failed);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2ResetFrame) {
                promise.trySuccess(ProbeResult.fail("stream reset by the backend (" + name(
                        ((Http2ResetFrame) msg).errorCode()) + ")"));
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof Http2GoAwayFrame) {
                promise.trySuccess(ProbeResult.fail("GOAWAY from the backend (" + name(
                        ((Http2GoAwayFrame) msg).errorCode()) + ")"));
                ReferenceCountUtil.release(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    private static String name(long code) {
        Http2Error e = Http2Error.valueOf(code);
        return e == null ? "error code " + code : e.name();
    }
}
