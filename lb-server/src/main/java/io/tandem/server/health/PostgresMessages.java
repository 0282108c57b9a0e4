package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The few messages of PostgreSQL's frontend/backend protocol (3.0) a check
 * needs: the StartupMessage, Terminate, and the server's messages framed as
 * a type byte and a 4-byte length that counts itself, with the
 * authentication request's method and an ErrorResponse's fields. Pure.
 */
final class PostgresMessages {

    /** Protocol 3.0: major 3 in the high 16 bits. */
    static final int PROTOCOL_3_0 = 196608;

    private PostgresMessages() {}

    /** One message from the server: its type byte and body (a copy the caller owns). */
    record Message(char type, ByteBuf body) {}

    /** The StartupMessage of {@code user} to {@code database}, named tandem-health-check in pg_stat_activity. */
    static ByteBuf startup(String user, String database) {
        ByteBuf body = Unpooled.buffer(96);
        body.writeInt(0).writeInt(PROTOCOL_3_0);
        for (String s : new String[] {"user", user, "database", database, "application_name", "tandem-health-check"}) {
            body.writeCharSequence(s, StandardCharsets.UTF_8);
            body.writeByte(0);
        }
        body.writeByte(0);
        body.setInt(0, body.readableBytes());
        return body;
    }

    /** Terminate: the client leaves a session it is logged in to. */
    static ByteBuf terminate() {
        return Unpooled.buffer(5).writeByte('X').writeInt(4);
    }

    /**
     * Reads one whole message from {@code in} and consumes it; null (nothing consumed) while it is
     * incomplete. Throws {@link IllegalArgumentException} for a length no message has.
     */
    static Message read(ByteBuf in) {
        if (in.readableBytes() < 5) {
            return null;
        }
        int length = in.getInt(in.readerIndex() + 1);
        if (length < 4 || length > Conversation.MAX_ANSWER) {
            throw new IllegalArgumentException("a message length of " + length);
        }
        if (in.readableBytes() < 1 + length) {
            return null;
        }
        char type = (char) in.readUnsignedByte();
        in.skipBytes(4);
        return new Message(type, in.readBytes(length - 4));
    }

    /** The method an AuthenticationRequest ('R') asks for: ok, cleartext password, md5, SASL (SCRAM), ... */
    static String authMethod(ByteBuf body) {
        int code = body.getInt(body.readerIndex());
        return switch (code) {
            case 0 -> "ok";
            case 2 -> "Kerberos V5";
            case 3 -> "a cleartext password";
            case 5 -> "an MD5 password";
            case 7 -> "GSSAPI";
            case 9 -> "SSPI";
            case 10 -> "SASL (" + nulTerminated(body, body.readerIndex() + 4) + ")";
            default -> "authentication method " + code;
        };
    }

    /** An ErrorResponse ('E') as {@code FATAL 57P03: the database system is starting up}. */
    static String error(ByteBuf body) {
        String severity = null;
        String code = null;
        String message = null;
        int i = body.readerIndex();
        while (i < body.writerIndex() && body.getByte(i) != 0) {
            char field = (char) body.getByte(i);
            String value = nulTerminated(body, i + 1);
            i += 1 + value.getBytes(StandardCharsets.UTF_8).length + 1;
            switch (field) {
                case 'V' -> severity = value; // not localized (9.6 and later)
                case 'S' -> severity = severity == null ? value : severity;
                case 'C' -> code = value;
                case 'M' -> message = value;
                default -> { }
            }
        }
        return (severity == null ? "ERROR" : severity) + (code == null ? "" : " " + code) + ": "
                + (message == null ? "(no message)" : message);
    }

    private static String nulTerminated(ByteBuf b, int from) {
        int end = b.indexOf(from, b.writerIndex(), (byte) 0);
        return b.toString(from, (end < 0 ? b.writerIndex() : end) - from, StandardCharsets.UTF_8);
    }
}
