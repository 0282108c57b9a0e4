package io.tandem.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Netty's own HTTP/2 client (h2c by prior knowledge): one connection, streams opened on it at will.
 * Each {@link #get} is one stream; its {@link Response} completes with the response's end, or
 * exceptionally when the stream closes before.
 */
final class NettyH2Client implements AutoCloseable {

    /** A response as it arrived on its stream. */
    static final class Response {
        final CompletableFuture<Response> done = new CompletableFuture<>();
        /** Completes with the first DATA frame. */
        final CompletableFuture<Void> firstData = new CompletableFuture<>();
        volatile Http2Headers headers;
        volatile Http2Headers trailers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        volatile Http2StreamChannel stream;

        int status() {
            return Integer.parseInt(headers.status().toString());
        }

        String header(String name) {
            CharSequence v = headers.get(name);
            return v == null ? null : v.toString();
        }

        synchronized String body() {
            return body.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    /** Completes with the server's GOAWAY, if one comes. */
    final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();

    NettyH2Client(int port) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame) {
                                    goAway.complete((Http2GoAwayFrame) ((Http2GoAwayFrame) msg).retain());
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                });
        channel = b.connect(InetAddress.getLoopbackAddress(), port).sync().channel();
    }

    /** Opens a stream and sends a GET for {@code path} with {@code authority}; {@code extra}: name, value, ... */
    Response get(String authority, String path, String... extra) throws InterruptedException {
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority(authority);
        for (int i = 0; i < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        return request(s -> s.writeAndFlush(new DefaultHttp2HeadersFrame(h, true)));
    }

    /** Opens a stream and lets {@code send} write the request on it. */
    Response request(Consumer<Http2StreamChannel> send) throws InterruptedException {
        Response r = new Response();
        Http2StreamChannel s = new Http2StreamChannelBootstrap(channel).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    boolean end = false;
                    if (msg instanceof Http2HeadersFrame) {
                        Http2HeadersFrame f = (Http2HeadersFrame) msg;
                        if (r.headers == null) {
                            r.headers = f.headers();
                        } else {
                            r.trailers = f.headers();
                        }
                        end = f.isEndStream();
                    } else if (msg instanceof Http2DataFrame) {
                        Http2DataFrame f = (Http2DataFrame) msg;
                        ByteBuf c = f.content();
                        synchronized (r) {
                            c.readBytes(r.body, c.readableBytes());
                        }
                        r.firstData.complete(null);
                        end = f.isEndStream();
                    }
                    if (end) {
                        r.done.complete(r);
                    }
                } catch (java.io.IOException e) {
                    r.done.completeExceptionally(e);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                r.done.completeExceptionally(new IllegalStateException("stream closed before its end (head "
                        + (r.headers == null ? "none" : r.headers.status()) + ", " + r.body.size() + " body bytes)"));
                r.firstData.completeExceptionally(new IllegalStateException("stream closed before data"));
            }
        }).open().sync().getNow();
        r.stream = s;
        send.accept(s);
        return r;
    }

    boolean isActive() {
        return channel.isActive();
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().await(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
