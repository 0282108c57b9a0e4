package io.tandem.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The daemon's log as JSON lines ({@code TANDEM_LOG_FORMAT=json}), one object
 * per event: {@code timestamp} (UTC, milliseconds), {@code level},
 * {@code logger}, {@code thread}, {@code message} and, when there is one,
 * {@code exception} (the stack trace as one string). Every string is escaped
 * as JSON requires, so a message with quotes or newlines stays one line.
 * Written by hand rather than with logback's JsonEncoder, whose field names
 * and nesting (an array of arguments, MDC and marker objects) log shippers
 * would have to be taught. Stateless; logback calls it from any thread.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder b = new StringBuilder(256).append("{\"timestamp\":\"")
                .append(TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp())))
                .append("\",\"level\":\"").append(event.getLevel())
                .append("\",\"logger\":");
        string(b, event.getLoggerName());
        b.append(",\"thread\":");
        string(b, event.getThreadName());
        b.append(",\"message\":");
        string(b, event.getFormattedMessage());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            b.append(",\"exception\":");
            string(b, ThrowableProxyUtil.asString(thrown));
        }
        return b.append("}\n").toString();
    }

    /** {@code s} as a JSON string (RFC 8259 section 7), or null. */
    static void string(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    // Control characters must be escaped; U+2028/2029 too, which break JavaScript readers.
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                                .append(HEX[c & 0xf]);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
