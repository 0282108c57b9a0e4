package io.tandem.it;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Plays systemd's side of sd_notify: a unix datagram socket in the abstract
 * namespace (as systemd's own {@code @/org/freedesktop/systemd1/notify/...})
 * whose {@link #address()} a node gets as NOTIFY_SOCKET, and which the test
 * reads message by message. Uses the unix socket of Netty's epoll library,
 * non-blocking: reads poll with a deadline.
 */
final class NotifySocketStub implements AutoCloseable {

    private final String name = "tandem-it-notify-" + UUID.randomUUID();
    private final Socket socket;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);

    NotifySocketStub() throws IOException {
        Epoll.ensureAvailability();
        socket = Socket.newSocketDomainDgram();
        socket.bind(new DomainSocketAddress("\0" + name));
    }

    /** The value of NOTIFY_SOCKET for a node. */
    String address() {
        return "@" + name;
    }

    /** The next message, waiting for it at most {@code timeout}. */
    String next(Duration timeout) {
        List<String> got = new ArrayList<>();
        Poll.until(timeout, "a notification on " + address(), () -> {
            String m = poll();
            if (m != null) {
                got.add(m);
            }
            return !got.isEmpty();
        });
        return got.get(0);
    }

    /** The next message other than a watchdog ping (which come at their own pace). */
    String nextBesidesWatchdog(Duration timeout) {
        String m;
        do {
            m = next(timeout);
        } while (m.equals("WATCHDOG=1"));
        return m;
    }

    private String poll() {
        try {
            buffer.clear();
            DomainDatagramSocketAddress from = socket.recvFromDomainSocket(buffer, 0, buffer.capacity());
            if (from == null) {
                return null;
            }
            buffer.limit(from.receivedAmount());
            return StandardCharsets.UTF_8.decode(buffer).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
