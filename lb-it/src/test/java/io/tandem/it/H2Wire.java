package io.tandem.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw HTTP/2 client (h2c by prior knowledge) on a blocking socket that writes frames byte by byte as a
 * flooding client would, well-formed or not, and reads what the server sends until GOAWAY. HPACK is
 * written by hand (literals, no Huffman), so a test controls every byte of a header block.
 */
final class H2Wire implements AutoCloseable {

    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;
    static final int END_STREAM = 1, END_HEADERS = 4, ACK = 1;
    static final int NO_ERROR = 0, PROTOCOL_ERROR = 1, ENHANCE_YOUR_CALM = 0xb, CANCEL = 8;

    /** A frame read from the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        int goAwayError() {
            return ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
                    | (payload[7] & 0xff);
        }

        int goAwayLastStream() {
            return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** Connects, sends the preface and an empty SETTINGS frame. */
    H2Wire(int port) throws IOException {
        this(port, new byte[0]);
    }

    /** Connects, sends the preface and SETTINGS with {@code settings} (6-byte entries). */
    H2Wire(int port, byte[] settings) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, settings);
    }

    /** A SETTINGS entry. */
    static byte[] setting(int id, int value) {
        return new byte[] {(byte) (id >> 8), (byte) id, (byte) (value >>> 24), (byte) (value >>> 16),
                (byte) (value >>> 8), (byte) value};
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
                (byte) payload.length, (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16),
                (byte) (stream >>> 8), (byte) stream};
        out.write(head);
        out.write(payload);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** A GET's header block for {@code path} on {@code authority}, plus {@code extra} (name, value, ...). */
    static byte[] get(String authority, String path, String... extra) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        literal(b, ":method", "GET");
        literal(b, ":scheme", "http");
        literal(b, ":path", path);
        literal(b, ":authority", authority);
        for (int i = 0; i < extra.length; i += 2) {
            literal(b, extra[i], extra[i + 1]);
        }
        return b.toByteArray();
    }

    /** A literal header field without indexing, new name (RFC 7541 section 6.2.2). */
    static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0);
        string(b, name);
        string(b, value);
    }

    /** A literal header field with incremental indexing, new name: it enters the dynamic table (section 6.2.1). */
    static void indexedLiteral(ByteArrayOutputStream b, String name, String value) {
        b.write(0x40);
        string(b, name);
        string(b, value);
    }

    /** An indexed header field (section 6.1): 62 is the newest entry of the dynamic table. */
    static void indexed(ByteArrayOutputStream b, int index) {
        integer(b, 0x80, 7, index);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(b, 0, 7, bytes.length);
        b.writeBytes(bytes);
    }

    private static void integer(ByteArrayOutputStream b, int mask, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            b.write(mask | value);
            return;
        }
        b.write(mask | max);
        value -= max;
        while (value >= 128) {
            b.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        b.write(value);
    }

    /** The next frame, or null when the server closed the connection. */
    Frame read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (EOFException | java.net.SocketException e) {
            return null;
        }
    }

    /**
     * Reads until the server's GOAWAY (returned) or until it closes without one (null); every frame
     * before it is skipped. Fails after {@code timeout} without either.
     */
    Frame awaitGoAway(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no GOAWAY within " + timeout);
            }
            Frame f;
            try {
                f = read(Duration.ofNanos(Math.max(left, 1_000_000)));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no GOAWAY within " + timeout);
            }
            if (f == null || f.type() == GOAWAY) {
                return f;
            }
        }
    }

    /** Whether the server closed the connection, read within {@code timeout} (every frame before is skipped). */
    boolean closedWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (read(Duration.ofMillis(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) == null) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
