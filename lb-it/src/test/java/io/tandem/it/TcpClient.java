package io.tandem.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A blocking loopback TCP client for {@code mode: tcp} listeners: reads lines
 * and exact byte counts with a read timeout, so a test never hangs.
 */
final class TcpClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    TcpClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    /** One line without its CRLF or LF; null at end of stream. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Exactly {@code n} bytes (fewer only at end of stream). */
    byte[] read(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** -1 when the peer closed the connection (within the read timeout), else the next byte. */
    int readByte() throws IOException {
        return in.read();
    }

    TcpClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    TcpClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Sends a FIN: this client's output ends, its input stays open. */
    TcpClient shutdownOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
