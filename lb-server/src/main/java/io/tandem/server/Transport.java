package io.tandem.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;

/**
 * The I/O transport, chosen once at start; everything that opens a channel
 * asks here. On Linux the best the kernel allows: io_uring, else epoll (an
 * older kernel, {@code kernel.io_uring_disabled}, or a seccomp profile that
 * refuses io_uring, as Docker's default does), else NIO.
 * {@code -Dtandem.transport=io_uring|epoll|nio} forces one, and a forced
 * transport the platform lacks stops the start.
 *
 * <p>The socket channels of all three open with {@code TCP_NODELAY} on (Netty's
 * default wherever it runs but Android), so nothing sets it again: each option
 * set on a bootstrap is a {@code setsockopt} per connection, and a TCP session
 * has two (TransportTest checks the default).
 *
 * @param ioHandlerFactory the handlers of the I/O loops, which accept and serve the listeners' connections
 * @param controlHandlerFactory the handler of the control loop (admin API, DNS, slow start), which carries
 *        little traffic and no proxy listener
 * @param freebind the listener option that lets a socket bind an address
 *        this host does not hold yet (a VIP), or null where there is none
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        IoHandlerFactory controlHandlerFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel,
        Class<? extends DatagramChannel> datagramChannel,
        ChannelOption<Boolean> freebind) {

    public static final String PROPERTY = "tandem.transport";

    /**
     * Netty's switch for io_uring's multishot accept, on unless the operator turns it off. One armed multishot
     * accept takes every connection the kernel has ready as it arrives; with one accept in flight at a time a
     * listener took one connection per pass of its event loop once it accepted on the I/O loops, and a cold
     * node (its passes slow while the JIT compiles) handshook 30 % fewer TLS connections in its first seconds
     * (docs/benchmarks.md, "Accepting on the I/O loops").
     */
    static final String MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

    public static Transport best() {
        return choose(System.getProperty(PROPERTY), Boolean.getBoolean("tandem.nio"));
    }

    /** The transport for a forced name (null: none) and the older {@code -Dtandem.nio=true} switch. */
    static Transport choose(String forced, boolean nioSwitch) {
        if (forced != null) {
            return named(forced.trim().toLowerCase(Locale.ROOT));
        }
        if (nioSwitch) {
            return nio();
        }
        if (IoUring.isAvailable()) {
            return ioUring();
        }
        return Epoll.isAvailable() ? epoll() : nio();
    }

    private static Transport named(String name) {
        switch (name) {
            case "io_uring", "io-uring", "iouring" -> {
                if (!IoUring.isAvailable()) {
                    throw unavailable("io_uring", IoUring.unavailabilityCause());
                }
                return ioUring();
            }
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw unavailable("epoll", Epoll.unavailabilityCause());
                }
                return epoll();
            }
            case "nio" -> {
                return nio();
            }
            default -> throw new IllegalStateException(
                    "-D" + PROPERTY + "=" + name + ": expected io_uring, epoll or nio");
        }
    }

    private static IllegalStateException unavailable(String name, Throwable cause) {
        return new IllegalStateException("-D" + PROPERTY + "=" + name + ": not available here: " + cause, cause);
    }

    /**
     * Completion-queue entries of each io_uring loop: a multishot accept posts one per connection the kernel
     * accepts until the loop reaps them, so a storm of new connections (10,000 from one client in about a
     * second, ConnectionStormIT) overflowed Netty's default of 4,096 and made it log a warning per loop.
     * 16 bytes each: 256 KiB per loop, and, Netty keeping a {@code ByteBuffer} view of each, 1.1 MiB of heap.
     */
    static final int COMPLETION_QUEUE = 16_384;

    /**
     * Completion-queue entries of the control loop: its admin listener and DNS queries see a few connections
     * a second, and every entry costs some 70 bytes of heap for as long as the loop runs.
     */
    static final int CONTROL_COMPLETION_QUEUE = 2_048;

    private static Transport ioUring() {
        return new Transport("io_uring", ioUringHandlers(COMPLETION_QUEUE), ioUringHandlers(CONTROL_COMPLETION_QUEUE),
                IoUringServerSocketChannel.class, IoUringSocketChannel.class, IoUringDatagramChannel.class,
                IoUringChannelOption.IP_FREEBIND);
    }

    /** Netty's io_uring handlers with {@code completionQueue} entries and a small zero-copy table. */
    private static IoHandlerFactory ioUringHandlers(int completionQueue) {
        return ZeroCopyHeaders.shrinking(
                IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setCqSize(completionQueue)));
    }

    private static Transport epoll() {
        IoHandlerFactory handlers = EpollIoHandler.newFactory();
        return new Transport("epoll", handlers, handlers, EpollServerSocketChannel.class,
                EpollSocketChannel.class, EpollDatagramChannel.class, EpollChannelOption.IP_FREEBIND);
    }

    public static Transport nio() {
        IoHandlerFactory handlers = NioIoHandler.newFactory();
        return new Transport("nio", handlers, handlers, NioServerSocketChannel.class,
                NioSocketChannel.class, NioDatagramChannel.class, null);
    }

    /**
     * Sends the ACK that {@code ch}'s kernel holds back now ({@code TCP_QUICKACK}), rather than when its
     * delayed-ACK timer fires (40 ms on Linux) or data to the peer carries it. Returns whether the transport
     * could; NIO cannot, so a channel of it keeps the kernel's timing.
     */
    public static boolean ackNow(Channel ch) {
        if (ch instanceof IoUringSocketChannel) {
            return ch.config().setOption(IoUringChannelOption.TCP_QUICKACK, true);
        }
        if (ch instanceof EpollSocketChannel) {
            return ch.config().setOption(EpollChannelOption.TCP_QUICKACK, true);
        }
        return false;
    }

    /** {@code threads} I/O loops. */
    public EventLoopGroup newGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), ioHandlerFactory);
    }

    /** The one control loop. */
    public EventLoopGroup newControlGroup(String threadName) {
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true), controlHandlerFactory);
    }
}
