package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The few packets of the MySQL/MariaDB client protocol a check needs: the
 * framing (3-byte little-endian length, sequence number), the server's
 * greeting (Protocol::HandshakeV10), the client's login
 * (Protocol::HandshakeResponse41) with an empty password, and the OK, ERR
 * and auth-switch answers, then {@code COM_QUIT}. Pure; no connection.
 */
final class MysqlPackets {

    static final int CLIENT_LONG_PASSWORD = 0x1;
    static final int CLIENT_LONG_FLAG = 0x4;
    static final int CLIENT_PROTOCOL_41 = 0x200;
    static final int CLIENT_TRANSACTIONS = 0x2000;
    static final int CLIENT_SECURE_CONNECTION = 0x8000;
    static final int CLIENT_PLUGIN_AUTH = 0x80000;
    /** What the check's login asks for, less what the server lacks. */
    static final int CLIENT_CAPABILITIES = CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
    /** utf8mb3_general_ci, which every server since 4.1 has. */
    static final int CHARSET = 33;
    static final String NATIVE_PASSWORD = "mysql_native_password";

    private MysqlPackets() {}

    /** One packet: its sequence number and payload (a copy the caller owns). */
    record Packet(int sequence, ByteBuf payload) {

        /** The first byte of the payload: 0x00 OK, 0xFF ERR, 0xFE auth switch (after a login), or a greeting's 10. */
        int kind() {
            return payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
        }
    }

    /** The server's greeting, as far as a login needs it. */
    record Greeting(int protocol, String serverVersion, long connectionId, int capabilities, String authPlugin) {}

    /** Reads one whole packet from {@code in} and consumes it; null (nothing consumed) while it is incomplete. */
    static Packet read(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int length = in.getUnsignedMediumLE(in.readerIndex());
        if (in.readableBytes() < 4 + length) {
            return null;
        }
        int sequence = in.getUnsignedByte(in.readerIndex() + 3);
        in.skipBytes(4);
        return new Packet(sequence, in.readBytes(length));
    }

    /** {@code payload} framed as packet number {@code sequence}. */
    static ByteBuf frame(int sequence, ByteBuf payload) {
        ByteBuf out = Unpooled.buffer(4 + payload.readableBytes());
        out.writeMediumLE(payload.readableBytes()).writeByte(sequence).writeBytes(payload);
        payload.release();
        return out;
    }

    /** Parses a HandshakeV10 payload; throws {@link IllegalArgumentException} for anything else. */
    static Greeting greeting(ByteBuf p) {
        try {
            int protocol = p.readUnsignedByte();
            if (protocol != 10) {
                throw new IllegalArgumentException("a greeting of protocol version " + protocol + ", not 10");
            }
            String version = nulTerminated(p);
            long connectionId = p.readUnsignedIntLE();
            p.skipBytes(8 + 1); // auth-plugin-data part 1, filler
            int capabilities = p.readUnsignedShortLE();
            String plugin = null;
            if (p.isReadable()) {
                p.skipBytes(1 + 2); // character set, status flags
                capabilities |= p.readUnsignedShortLE() << 16;
                int authDataLength = p.readUnsignedByte();
                p.skipBytes(10); // reserved (MariaDB keeps its extended capabilities in the last 4)
                if ((capabilities & CLIENT_SECURE_CONNECTION) != 0) {
                    p.skipBytes(Math.max(13, authDataLength - 8));
                }
                if ((capabilities & CLIENT_PLUGIN_AUTH) != 0 && p.isReadable()) {
                    plugin = nulTerminated(p);
                }
            }
            return new Greeting(protocol, version, connectionId, capabilities, plugin);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("a greeting cut short");
        }
    }

    /**
     * The login of {@code user} with an empty password (packet {@code sequence}: one after the greeting's),
     * asking for {@link #CLIENT_CAPABILITIES} that the server has.
     */
    static ByteBuf login(int sequence, String user, Greeting greeting) {
        int capabilities = CLIENT_CAPABILITIES & greeting.capabilities() | CLIENT_PROTOCOL_41;
        ByteBuf p = Unpooled.buffer(64);
        p.writeIntLE(capabilities).writeIntLE(16 * 1024 * 1024).writeByte(CHARSET).writeZero(23);
        p.writeCharSequence(user, StandardCharsets.UTF_8);
        p.writeByte(0);
        if ((capabilities & CLIENT_SECURE_CONNECTION) != 0) {
            p.writeByte(0); // an empty auth response: no password
        } else {
            p.writeByte(0); // the NUL-terminated (empty) password of servers before secure connections
        }
        if ((capabilities & CLIENT_PLUGIN_AUTH) != 0) {
            p.writeCharSequence(NATIVE_PASSWORD, StandardCharsets.US_ASCII);
            p.writeByte(0);
        }
        return frame(sequence, p);
    }

    /** The answer to an auth-switch request: the empty auth data of an empty password, as packet {@code sequence}. */
    static ByteBuf emptyAuthData(int sequence) {
        return frame(sequence, Unpooled.buffer(0));
    }

    /** COM_QUIT: the client leaves; the server closes without counting an aborted connection. */
    static ByteBuf quit() {
        return frame(0, Unpooled.buffer(1).writeByte(0x01));
    }

    /**
     * An ERR packet's payload as text: {@code 1045 (28000): Access denied ...}; the SQL state is absent in
     * errors sent instead of a greeting (e.g. {@code 1129: Host ... is blocked}).
     */
    static String error(ByteBuf p) {
        p.skipBytes(1);
        int code = p.readUnsignedShortLE();
        String state = null;
        if (p.isReadable() && p.getByte(p.readerIndex()) == '#' && p.readableBytes() >= 6) {
            p.skipBytes(1);
            state = p.readCharSequence(5, StandardCharsets.US_ASCII).toString();
        }
        String message = p.readCharSequence(p.readableBytes(), StandardCharsets.UTF_8).toString();
        return code + (state == null ? "" : " (" + state + ")") + ": " + message;
    }

    private static String nulTerminated(ByteBuf p) {
        int end = p.indexOf(p.readerIndex(), p.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new IllegalArgumentException("a greeting cut short");
        }
        String s = p.readCharSequence(end - p.readerIndex(), StandardCharsets.UTF_8).toString();
        p.skipBytes(1);
        return s;
    }
}
