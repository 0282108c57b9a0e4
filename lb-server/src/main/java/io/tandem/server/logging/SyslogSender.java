package io.tandem.server.logging;

import io.tandem.config.HostPort;
import io.tandem.config.SyslogConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries syslog messages to one server over UDP or TCP without ever making
 * the caller wait: {@link #offer} only puts the message in a bounded queue,
 * and one daemon thread of this sender takes them out and writes them. A full
 * queue drops the message ({@link Drop#QUEUE_FULL}); a server that cannot be
 * reached drops what comes while it is away ({@link Drop#UNAVAILABLE}), and
 * the thread tries again after a backoff that starts at {@link #MIN_BACKOFF_NANOS}
 * and doubles to {@link #MAX_BACKOFF_NANOS}, so a dead server costs one
 * connect attempt per backoff, not one per line. Both are told to the
 * {@code dropped} callback (a metric).
 *
 * <p>{@link #offer} is safe from any thread (the event loops); everything
 * else of the connection is confined to the sender's thread.
 */
public final class SyslogSender implements AutoCloseable {

    /** Why a message was not sent. */
    public enum Drop {
        QUEUE_FULL("queue_full"),
        UNAVAILABLE("unavailable");

        private final String label;

        Drop(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    /** Lines that may wait: 8192 lines of ~300 bytes, about 2.5 MiB at worst. */
    public static final int QUEUE_LINES = 8192;
    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private static final Logger log = LoggerFactory.getLogger(SyslogSender.class);

    private final HostPort server;
    private final SyslogConfig.Transport transport;
    private final BlockingQueue<byte[]> queue;
    private final Consumer<Drop> dropped;
    private final LongSupplier nanoClock;
    private final Thread thread;
    private volatile boolean closed;

    // Confined to the sender's thread.
    private Connection connection;
    private long backoffNanos = MIN_BACKOFF_NANOS;
    private long retryAtNanos;
    private boolean down;

    private SyslogSender(HostPort server, SyslogConfig.Transport transport, int capacity, Consumer<Drop> dropped,
                         LongSupplier nanoClock) {
        this.server = server;
        this.transport = transport;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dropped = dropped;
        this.nanoClock = nanoClock;
        this.thread = new Thread(this::run, "tandem-syslog-" + transport.configName() + "-" + server);
        thread.setDaemon(true);
    }

    /** A started sender to {@code server}; {@code dropped} is called for every message it gives up. */
    public static SyslogSender start(HostPort server, SyslogConfig.Transport transport, Consumer<Drop> dropped) {
        return start(server, transport, QUEUE_LINES, dropped, System::nanoTime);
    }

    /** With the queue's size and the clock given (tests). */
    static SyslogSender start(HostPort server, SyslogConfig.Transport transport, int capacity, Consumer<Drop> dropped,
                              LongSupplier nanoClock) {
        SyslogSender s = unstarted(server, transport, capacity, dropped, nanoClock);
        s.thread.start();
        return s;
    }

    /** A sender whose thread never runs: its queue only fills (tests of the offer side). */
    static SyslogSender unstarted(HostPort server, SyslogConfig.Transport transport, int capacity,
                                  Consumer<Drop> dropped, LongSupplier nanoClock) {
        return new SyslogSender(server, transport, capacity, dropped, nanoClock);
    }

    /** Queues one message (an RFC 5424 message, without TCP framing); never blocks. */
    public void offer(byte[] message) {
        if (closed) {
            dropped.accept(Drop.UNAVAILABLE);
        } else if (!queue.offer(message)) {
            dropped.accept(Drop.QUEUE_FULL);
        }
    }

    /** Stops the thread and closes the connection; messages still queued are dropped uncounted. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    private void run() {
        try {
            while (!closed) {
                deliver(queue.take());
                if (queue.isEmpty() && connection != null) {
                    flush();
                }
            }
        } catch (InterruptedException e) {
            // close(): stop.
        } finally {
            disconnect();
        }
    }

    private void deliver(byte[] message) {
        if (connection == null && !connect()) {
            dropped.accept(Drop.UNAVAILABLE);
            return;
        }
        try {
            connection.send(message);
        } catch (IOException e) {
            failed(e);
            dropped.accept(Drop.UNAVAILABLE);
        }
    }

    private void flush() {
        try {
            connection.flush();
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Opens the connection unless the backoff says wait; false when there is none. */
    private boolean connect() {
        long now = nanoClock.getAsLong();
        if (down && now - retryAtNanos < 0) {
            return false;
        }
        try {
            InetSocketAddress address = server.resolve();
            if (address.isUnresolved()) {
                throw new IOException("cannot resolve " + server.host());
            }
            connection = transport == SyslogConfig.Transport.TCP ? new Tcp(address) : new Udp(address);
        } catch (IOException e) {
            failed(e);
            return false;
        }
        if (down) {
            log.info("syslog server {} ({}) reachable again; access lines are sent again", server,
                    transport.configName());
        }
        down = false;
        backoffNanos = MIN_BACKOFF_NANOS;
        return true;
    }

    /** The connection failed: closed, and the next attempt waits for the backoff (which doubles). */
    private void failed(IOException e) {
        disconnect();
        if (!down) {
            log.warn("syslog server {} ({}) unreachable: {}; dropping access lines until it is back", server,
                    transport.configName(), e.toString());
            backoffNanos = MIN_BACKOFF_NANOS;
        } else {
            backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
        }
        down = true;
        retryAtNanos = nanoClock.getAsLong() + backoffNanos;
    }

    private void disconnect() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /** One way to the server. */
    private interface Connection {
        void send(byte[] message) throws IOException;

        void flush() throws IOException;

        void close();
    }

    /** One datagram per message (RFC 5426); an unconnected socket, so no ICMP error ever fails a send. */
    private static final class Udp implements Connection {
        private final DatagramSocket socket;
        private final InetSocketAddress address;

        Udp(InetSocketAddress address) throws IOException {
            this.socket = new DatagramSocket();
            this.address = address;
        }

        @Override
        public void send(byte[] message) throws IOException {
            socket.send(new DatagramPacket(message, message.length, address));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A stream of octet-counted frames (RFC 6587 section 3.4.1), buffered and flushed when the queue is empty. */
    private static final class Tcp implements Connection {
        private final Socket socket;
        private final OutputStream out;

        Tcp(InetSocketAddress address) throws IOException {
            socket = new Socket();
            try {
                socket.connect(address, CONNECT_TIMEOUT_MILLIS);
                socket.setKeepAlive(true);
                out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        @Override
        public void send(byte[] message) throws IOException {
            out.write(SyslogFrame.octetCounted(message));
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing: nothing to do about it.
            }
        }
    }
}
