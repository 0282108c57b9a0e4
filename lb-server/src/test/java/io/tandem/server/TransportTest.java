package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    // connected, must have it on from the start.
    @Test
    void everyTransportsSocketsStartWithNoDelay() throws Exception {
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
                client.close().sync();
                server.close().sync();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }
}
