package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandler;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {

    // Unforced, the choice is the best the platform has, in the order io_uring, epoll, NIO.
    @Test
    void unforcedChoiceIsTheBestAvailable() {
        String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
        assertThat(Transport.choose(null, false).name()).isEqualTo(expected);
    }

    @Test
    void nioForcedByNameOrByTheOlderSwitch() {
        Transport byName = Transport.choose(" NIO ", false);
        assertThat(byName.name()).isEqualTo("nio");
        assertThat(byName.socketChannel()).isEqualTo(NioSocketChannel.class);
        assertThat(byName.freebind()).isNull();
        assertThat(Transport.choose(null, true).name()).isEqualTo("nio");
        // A name wins over the older switch.
        assertThat(Transport.choose("nio", true).name()).isEqualTo("nio");
    }

    // Forcing a native transport gives it where the platform has it, and a start error naming why where not.
    @Test
    void forcedEpoll() {
        if (Epoll.isAvailable()) {
            Transport t = Transport.choose("epoll", true);
            assertThat(t.name()).isEqualTo("epoll");
            assertThat(t.socketChannel()).isEqualTo(EpollSocketChannel.class);
            assertThat(t.freebind()).isSameAs(EpollChannelOption.IP_FREEBIND);
        } else {
            assertThatThrownBy(() -> Transport.choose("epoll", false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("-Dtandem.transport=epoll: not available here: ");
        }
    }

    @Test
    void forcedIoUringUnderEachSpelling() {
        for (String spelling : new String[] {"io_uring", "io-uring", "IOURING"}) {
            if (IoUring.isAvailable()) {
                Transport t = Transport.choose(spelling, false);
                assertThat(t.name()).isEqualTo("io_uring");
                assertThat(t.socketChannel()).isEqualTo(IoUringSocketChannel.class);
                assertThat(t.freebind()).isSameAs(IoUringChannelOption.IP_FREEBIND);
            } else {
                assertThatThrownBy(() -> Transport.choose(spelling, false))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("-Dtandem.transport=io_uring: not available here: ");
            }
        }
    }

    @Test
    void unknownNameIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> Transport.choose("kqueue", false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("-Dtandem.transport=kqueue: expected io_uring, epoll or nio");
    }

    // Nothing sets TCP_NODELAY (a setsockopt per connection): every transport's sockets, accepted and
    // connected, must have it on from the start. And an accepted socket can be told to ACK at once where the
    // transport has TCP_QUICKACK.
    @Test
    void everyTransportsSocketsStartWithNoDelayAndAckNowWhereTheyCan() throws Exception {
        List<Transport> transports = new ArrayList<>(List.of(Transport.nio()));
        if (Epoll.isAvailable()) {
            transports.add(Transport.choose("epoll", false));
        }
        if (IoUring.isAvailable()) {
            transports.add(Transport.choose("io_uring", false));
        }
        for (Transport transport : transports) {
            EventLoopGroup group = transport.newGroup(1, "nodelay-" + transport.name());
            try {
                CompletableFuture<Channel> accepted = new CompletableFuture<>();
                Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .childHandler(new ChannelInitializer<>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                accepted.complete(ch);
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                Channel client = new Bootstrap().group(group).channel(transport.socketChannel())
                        .handler(new ChannelHandlerAdapter() { })
                        .connect(server.localAddress()).sync().channel();
                Channel child = accepted.get(10, TimeUnit.SECONDS);
                assertThat(client.config().getOption(ChannelOption.TCP_NODELAY)).as(transport.name()).isTrue();
                assertThat(child.config().getOption(ChannelOption.TCP_NODELAY)).as(transport.name()).isTrue();
                // ackNow (after a TLS 1.3 handshake): TCP_QUICKACK on epoll and io_uring; NIO has no such option.
                boolean nio = transport.name().equals("nio");
                assertThat(Transport.ackNow(child)).as(transport.name()).isEqualTo(!nio);
                if (!nio) {
                    ChannelOption<Boolean> quickAck = transport.name().equals("epoll")
                            ? EpollChannelOption.TCP_QUICKACK : IoUringChannelOption.TCP_QUICKACK;
                    assertThat(child.config().getOption(quickAck)).as(transport.name()).isTrue();
                }
                client.close().sync();
                server.close().sync();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    // Netty gives every io_uring loop 1,024 zero-copy message headers (some 0.3 MiB of heap per loop);
    // Tandem's loops keep 16, and its control loop a smaller completion queue than the I/O loops.
    @Test
    void ioUringLoopsKeepSixteenZeroCopyHeadersAndTheirQueueSizes() throws Exception {
        if (!IoUring.isAvailable()) {
            assertThat(Transport.choose(null, false).name()).isNotEqualTo("io_uring");
            return;
        }
        Transport transport = Transport.choose("io_uring", false);
        EventLoopGroup io = transport.newGroup(1, "zc-io");
        EventLoopGroup control = transport.newControlGroup("zc-control");
        try {
            assertThat(ZeroCopyHeaders.capacity(handlerOf(io))).isEqualTo(16);
            assertThat(ZeroCopyHeaders.capacity(handlerOf(control))).isEqualTo(16);
            assertThat(completionQueueEntries(handlerOf(io))).isEqualTo(Transport.COMPLETION_QUEUE);
            assertThat(completionQueueEntries(handlerOf(control))).isEqualTo(Transport.CONTROL_COMPLETION_QUEUE);
        } finally {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            control.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    // With zero-copy writes turned on, 24 connections of one loop each write 20 buffers in the same pass:
    // more headers than the table holds, so Netty submits and starts it again. Every byte arrives, in order.
    // (A kernel without zero-copy sendmsg takes the plain path, and the bytes must arrive all the same.)
    @Test
    void zeroCopyWritesBeyondTheSmallTableArriveWhole() throws Exception {
        if (!IoUring.isAvailable()) {
            assertThat(Transport.choose(null, false).name()).isNotEqualTo("io_uring");
            return;
        }
        Transport transport = Transport.choose("io_uring", false);
        EventLoopGroup group = transport.newGroup(1, "zc-write");
        int connections = 24;
        int buffers = 20;
        // What each accepted connection received, once it closed.
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            StringBuilder sink = new StringBuilder();
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    sink.append(msg.toString(StandardCharsets.US_ASCII));
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    received.add(sink.toString());
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<Channel> clients = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                clients.add(new Bootstrap().group(group).channel(transport.socketChannel())
                        .option(IoUringChannelOption.IO_URING_WRITE_ZERO_COPY_THRESHOLD, 0)
                        .handler(new ChannelHandlerAdapter() { })
                        .connect(server.localAddress()).sync().channel());
            }
            group.next().submit(() -> {
                for (Channel client : clients) {
                    for (int b = 0; b < buffers - 1; b++) {
                        client.write(Unpooled.copiedBuffer("<" + b + ">", StandardCharsets.US_ASCII));
                    }
                    client.writeAndFlush(Unpooled.copiedBuffer("<" + (buffers - 1) + ">", StandardCharsets.US_ASCII))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }).sync();
            StringBuilder expected = new StringBuilder();
            for (int b = 0; b < buffers; b++) {
                expected.append('<').append(b).append('>');
            }
            for (int c = 0; c < connections; c++) {
                assertThat(received.poll(10, TimeUnit.SECONDS)).as("connection %d of %d", c + 1, connections)
                        .isEqualTo(expected.toString());
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static IoHandler handlerOf(EventLoopGroup group) throws ReflectiveOperationException {
        Method handler = SingleThreadIoEventLoop.class.getDeclaredMethod("ioHandler");
        handler.setAccessible(true);
        return (IoHandler) handler.invoke(group.next());
    }

    private static int completionQueueEntries(IoHandler handler) throws ReflectiveOperationException {
        Field ring = handler.getClass().getDeclaredField("ringBuffer");
        ring.setAccessible(true);
        Object ringBuffer = ring.get(handler);
        Method queue = ringBuffer.getClass().getDeclaredMethod("ioUringCompletionQueue");
        queue.setAccessible(true);
        Object completionQueue = queue.invoke(ringBuffer);
        Field entries = completionQueue.getClass().getDeclaredField("ringEntries");
        entries.setAccessible(true);
        return (int) entries.get(completionQueue);
    }
}
