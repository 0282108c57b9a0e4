package io.tandem.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2-over-TLS backend on loopback (Netty's server, its certificate from {@link TestPki}, ALPN selecting
 * {@code h2}): answers each request with {@code hello from NAME}, naming itself in {@code x-backend}, the
 * TCP connection the request came on in {@code x-backend-connection} (numbered from 1 as accepted) and the
 * request's {@code :scheme} in {@code x-seen-scheme}. It counts the connections that carried a request other
 * than the health check's {@code /health}, so a test sees how many connections Tandem's traffic used.
 */
final class H2TlsBackend implements BackendServer, AutoCloseable {

    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger accepted = new AtomicInteger();
    /** Numbers of the connections that carried a request other than {@code /health}. */
    final Set<Integer> trafficConnections = ConcurrentHashMap.newKeySet();

    H2TlsBackend(String name, TestPki.Issued certificate) throws Exception {
        this.name = name;
        SslContext tls = SslContextBuilder.forServer(certificate.cert().toFile(), certificate.key().toFile())
                .sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int connection = accepted.incrementAndGet();
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new Answer(connection));
                            }
                        }));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** One stream: answers once the request ended. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private final int connection;
        private Http2Headers request;

        Answer(int connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame && request == null) {
                    request = ((Http2HeadersFrame) msg).headers();
                    end = ((Http2HeadersFrame) msg).isEndStream();
                } else if (msg instanceof Http2DataFrame) {
                    end = ((Http2DataFrame) msg).isEndStream();
                } else if (msg instanceof Http2HeadersFrame) {
                    end = ((Http2HeadersFrame) msg).isEndStream();
                }
                if (end) {
                    String path = String.valueOf(request.path());
                    if (!path.equals("/health")) {
                        trafficConnections.add(connection);
                    }
                    byte[] body = (path.equals("/health") ? "ok" : "hello from " + name)
                            .getBytes(StandardCharsets.UTF_8);
                    Http2Headers head = new DefaultHttp2Headers().status("200")
                            .add("content-type", "text/plain")
                            .add("x-backend", name)
                            .add("x-backend-connection", Integer.toString(connection))
                            .add("x-seen-scheme", String.valueOf(request.scheme()));
                    ctx.write(new DefaultHttp2HeadersFrame(head, false));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
