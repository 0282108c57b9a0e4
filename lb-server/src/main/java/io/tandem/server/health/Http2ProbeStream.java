package io.tandem.server.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.concurrent.Promise;
import io.tandem.server.NetErrors;

/**
 * A check's one HTTP/2 exchange: joins a probe connection once it is ready (connected; for a pool with TLS,
 * the handshake done and h2 selected by ALPN, see {@code BackendTls}), puts the HTTP/2 codec on it, opens one
 * stream with {@code call} as its handler and sends the request's head and body there. The answer is
 * {@code call}'s to judge; the connection is the probe's and closes with its result ({@link ProbeAttempt}).
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
        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        new Http2StreamChannelBootstrap(ch).handler(call).open().addListener(f -> {
            if (!f.isSuccess()) {
                promise.trySuccess(ProbeResult.fail(NetErrors.describe(f.cause())));
                return;
            }
            Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
            if (body == null) {
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(head, true));
            } else {
                stream.write(new DefaultHttp2HeadersFrame(head, false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
            }
        });
    }
}
