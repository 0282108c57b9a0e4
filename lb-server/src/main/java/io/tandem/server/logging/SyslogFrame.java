package io.tandem.server.logging;

import io.tandem.config.SyslogConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The RFC 5424 message of one log line, and its octet-counting frame for TCP
 * (RFC 6587 section 3.4.1). The header is fixed per sender except for the
 * time: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG}, severity
 * informational, no structured data, the message as UTF-8 without a BOM (a
 * BOM shows as garbage in most collectors). Immutable; pure.
 */
public final class SyslogFrame {

    /** RFC 5424 section 6.2.1: informational. */
    static final int SEVERITY_INFO = 6;

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** {@code <PRI>1 }, before the time. */
    private final String head;
    /** {@code  HOSTNAME APP-NAME PROCID MSGID - }, after the time. */
    private final String tail;

    /**
     * @param hostname this machine's name (RFC 5424 HOSTNAME: printable ASCII, at most 255)
     * @param appName  the APP-NAME, at most 48 printable ASCII characters (the config checks)
     * @param procId   the PROCID, this process's id
     * @param msgId    the MSGID, e.g. {@code access}
     */
    public SyslogFrame(SyslogConfig.Facility facility, String hostname, String appName, long procId, String msgId) {
        this.head = "<" + (facility.code() * 8 + SEVERITY_INFO) + ">1 ";
        this.tail = " " + field(hostname, 255) + " " + field(appName, 48) + " " + procId + " " + field(msgId, 32)
                + " - ";
    }

    /** The message of {@code line} logged at {@code time}. */
    public byte[] message(Instant time, String line) {
        return (head + TIMESTAMP.format(time) + tail + line).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code message} as TCP carries it: its length in octets, a space, the message. */
    public static byte[] octetCounted(byte[] message) {
        byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[length.length + message.length];
        System.arraycopy(length, 0, frame, 0, length.length);
        System.arraycopy(message, 0, frame, length.length, message.length);
        return frame;
    }

    /** A header field: printable US-ASCII only (others become '_'), at most {@code max}, "-" when empty. */
    static String field(String value, int max) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            b.append(c > ' ' && c <= '~' ? c : '_');
        }
        return b.toString();
    }
}
