package io.tandem.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HostPort;
import io.tandem.config.SyslogConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The sender over real loopback sockets: what arrives, what is dropped and why, and the reconnect backoff. */
class SyslogSenderTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<SyslogSender.Drop> drops = new CopyOnWriteArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Reads one octet-counted frame: digits, a space, that many bytes. */
    private static String frame(DataInputStream in) throws IOException {
        StringBuilder length = new StringBuilder();
        int c;
        while ((c = in.read()) != ' ') {
            if (c < 0) {
                throw new IOException("end of stream");
            }
            length.append((char) c);
        }
        byte[] message = new byte[Integer.parseInt(length.toString())];
        in.readFully(message);
        return new String(message, StandardCharsets.UTF_8);
    }

    // Over UDP each message is one datagram holding exactly the message.
    @Test
    void udpSendsOneDatagramPerMessage() throws Exception {
        try (DatagramSocket server = new DatagramSocket(0, LOOPBACK)) {
            server.setSoTimeout(10_000);
            try (SyslogSender s = SyslogSender.start(new HostPort("127.0.0.1", server.getLocalPort()),
                    SyslogConfig.Transport.UDP, drops::add)) {
                s.offer(bytes("<134>1 one"));
                s.offer(bytes("<134>1 two"));
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    server.receive(p);
                    got.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                }
                assertThat(got).containsExactly("<134>1 one", "<134>1 two");
            }
        }
        assertThat(drops).isEmpty();
    }

    // Over TCP messages are octet-counted frames on one connection, in order.
    @Test
    void tcpFramesWithOctetCounting() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
             SyslogSender s = SyslogSender.start(new HostPort("127.0.0.1", server.getLocalPort()),
                     SyslogConfig.Transport.TCP, drops::add)) {
            s.offer(bytes("<134>1 caf\u00e9"));
            s.offer(bytes("<134>1 two words"));
            server.setSoTimeout(10_000);
            try (Socket peer = server.accept()) {
                peer.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(peer.getInputStream());
                assertThat(frame(in)).isEqualTo("<134>1 caf\u00e9");
                assertThat(frame(in)).isEqualTo("<134>1 two words");
            }
        }
        assertThat(drops).isEmpty();
    }

    // A full queue drops the message at once and counts it queue_full (no thread runs here to empty it).
    @Test
    void fullQueueDrops() {
        SyslogSender s = SyslogSender.unstarted(new HostPort("127.0.0.1", 9), SyslogConfig.Transport.UDP, 2,
                drops::add, System::nanoTime);
        s.offer(bytes("a"));
        s.offer(bytes("b"));
        s.offer(bytes("c"));
        assertThat(drops).containsExactly(SyslogSender.Drop.QUEUE_FULL);
    }

    // A TCP server that is down: lines are dropped as unavailable, no reconnect before the backoff, then it resumes.
    @Test
    void tcpReconnectsAfterBackoff() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            port = probe.getLocalPort();
        }
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (SyslogSender s = SyslogSender.start(new HostPort("127.0.0.1", port), SyslogConfig.Transport.TCP, 16,
                drops::add, now::get)) {
            s.offer(bytes("lost while down"));
            await("the first drop", () -> drops.size() == 1);
            try (ServerSocket server = new ServerSocket()) {
                server.setReuseAddress(true);
                server.bind(new java.net.InetSocketAddress(LOOPBACK, port), 1);
                // Within the 100ms backoff the sender does not try, though the server is back.
                now.addAndGet(SyslogSender.MIN_BACKOFF_NANOS - 1);
                s.offer(bytes("lost in backoff"));
                await("the second drop", () -> drops.size() == 2);
                now.addAndGet(1);
                s.offer(bytes("<134>1 back"));
                server.setSoTimeout(10_000);
                try (Socket peer = server.accept()) {
                    peer.setSoTimeout(10_000);
                    assertThat(frame(new DataInputStream(peer.getInputStream()))).isEqualTo("<134>1 back");
                }
            }
        }
        assertThat(drops).containsExactly(SyslogSender.Drop.UNAVAILABLE, SyslogSender.Drop.UNAVAILABLE);
    }

    // After close, offers are dropped and counted, never queued.
    @Test
    void closedSenderDrops() {
        SyslogSender s = SyslogSender.start(new HostPort("127.0.0.1", 9), SyslogConfig.Transport.UDP, drops::add);
        s.close();
        s.offer(bytes("late"));
        assertThat(drops).containsExactly(SyslogSender.Drop.UNAVAILABLE);
    }
}
