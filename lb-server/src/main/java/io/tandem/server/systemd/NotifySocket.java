package io.tandem.server.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The unix datagram socket systemd reads a service's notifications from
 * ({@code $NOTIFY_SOCKET}): a file path, or a name in Linux's abstract
 * namespace when it starts with {@code @}. The JDK has no unix datagram
 * socket, so this is the unix socket of Netty's native epoll library, used
 * without an event loop: one {@code sendto(2)} per message. Thread-safe.
 */
final class NotifySocket implements AutoCloseable {

    private final Socket socket;
    private final byte[] address;
    private final String name;

    private NotifySocket(Socket socket, byte[] address, String name) {
        this.socket = socket;
        this.address = address;
        this.name = name;
    }

    /** Opens an unbound datagram socket that sends to {@code notifySocket} (the variable's value). */
    static NotifySocket open(String notifySocket) throws IOException {
        if (!Epoll.isAvailable()) {
            // The unix socket's native code ships in the epoll library.
            throw new IOException("the native epoll library is not available: " + Epoll.unavailabilityCause());
        }
        return new NotifySocket(Socket.newSocketDomainDgram(), address(notifySocket), notifySocket);
    }

    /** The bytes of {@code sun_path}: an abstract name starts with a NUL byte where the variable has '@'. */
    static byte[] address(String notifySocket) {
        if (notifySocket.startsWith("@")) {
            return ("\0" + notifySocket.substring(1)).getBytes(StandardCharsets.UTF_8);
        }
        if (!notifySocket.startsWith("/")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET=" + notifySocket
                    + " is neither an absolute path nor an abstract name (@...)");
        }
        return notifySocket.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code message} as one datagram. */
    void send(String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        int sent = socket.sendToDomainSocket(buffer, 0, bytes.length, address);
        if (sent != bytes.length) {
            throw new IOException("sent " + sent + " of " + bytes.length + " bytes to " + name);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
