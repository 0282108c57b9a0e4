package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The little of Redis's protocol (RESP2) a check needs: commands as arrays of
 * bulk strings, and one reply read from the bytes received: a simple string
 * ({@code +PONG}), an error ({@code -NOAUTH ...}), an integer or a bulk string
 * ({@code $N} and N bytes; {@code $-1} is null). Pure.
 */
final class Resp {

    /** Longest reply line (type byte, text, CRLF) accepted. */
    private static final int MAX_LINE = 4096;

    private Resp() {}

    /** A reply: its type byte ({@code + - : $}) and its text (null for a null bulk string). */
    record Reply(char type, String text) {

        boolean error() {
            return type == '-';
        }
    }

    /** The absolute index of the first CRLF at or after {@code from}, or -1. */
    static int crlf(ByteBuf in, int from) {
        for (int i = from; i < in.writerIndex() - 1; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The command {@code words} as RESP: {@code *N\r\n} then {@code $LEN\r\nWORD\r\n} for each. */
    static ByteBuf command(String... words) {
        StringBuilder b = new StringBuilder().append('*').append(words.length).append("\r\n");
        for (String w : words) {
            b.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
        }
        return Unpooled.copiedBuffer(b, StandardCharsets.UTF_8);
    }

    /**
     * Reads one reply from {@code in}'s readable bytes and consumes it; null (nothing consumed) while it is
     * incomplete. Throws {@link IllegalArgumentException} for bytes that are no RESP2 reply of those types.
     */
    static Reply read(ByteBuf in) {
        int start = in.readerIndex();
        int eol = crlf(in, start);
        if (eol < 0) {
            if (in.readableBytes() > MAX_LINE) {
                throw new IllegalArgumentException("a reply line longer than " + MAX_LINE + " bytes");
            }
            return null;
        }
        char type = (char) in.getByte(start);
        String line = in.toString(start + 1, eol - start - 1, StandardCharsets.UTF_8);
        switch (type) {
            case '+', '-', ':' -> {
                in.readerIndex(eol + 2);
                return new Reply(type, line);
            }
            case '$' -> {
                int length;
                try {
                    length = Integer.parseInt(line);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("a bulk string length '" + line + "' that is no number");
                }
                if (length < 0) {
                    in.readerIndex(eol + 2);
                    return new Reply('$', null);
                }
                if (in.writerIndex() < eol + 2 + length + 2) {
                    return null;
                }
                String text = in.toString(eol + 2, length, StandardCharsets.UTF_8);
                in.readerIndex(eol + 2 + length + 2);
                return new Reply('$', text);
            }
            default -> throw new IllegalArgumentException("a reply starting with '"
                    + SendExpectProbe.printable(String.valueOf(type)) + "', not + - : or $");
        }
    }
}
