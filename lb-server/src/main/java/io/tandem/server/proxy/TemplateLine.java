package io.tandem.server.proxy;

import io.tandem.config.AccessLogField;
import io.tandem.config.AccessLogTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * An access log in the fields of an {@link AccessLogTemplate}: the Common and
 * Combined Log Formats and operators' own templates. A field without a value
 * prints {@code -}. Text that comes from the client (target, headers, user,
 * request id, SNI) is escaped as nginx escapes it: {@code "}, {@code \},
 * control characters and bytes beyond ASCII become {@code \xHH}, so a
 * request can neither break a line nor forge a field. Immutable; called on
 * the client's event loop.
 */
final class TemplateLine implements AccessLog {

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** The Common Log Format's time, e.g. {@code 06/Dec/2026:20:30:00 +0100}, in the host's zone as nginx's. */
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String listener;
    private final List<AccessLogTemplate.Segment> segments;
    private final Sink sink;
    private final ZoneId zone;

    TemplateLine(String listener, AccessLogTemplate template, Sink sink) {
        this(listener, template, sink, ZoneId.systemDefault());
    }

    /** With the zone of {@code $time_clf} given (tests pin it). */
    TemplateLine(String listener, AccessLogTemplate template, Sink sink, ZoneId zone) {
        this.listener = listener;
        this.segments = template.segments();
        this.sink = sink;
        this.zone = zone;
    }

    @Override
    public void log(AccessEntry e) {
        if (sink.enabled()) {
            sink.write(render(e, Instant.now()));
        }
    }

    /** The line of {@code e}, ended at {@code now}. */
    String render(AccessEntry e, Instant now) {
        StringBuilder b = new StringBuilder(200);
        for (AccessLogTemplate.Segment s : segments) {
            if (s.field() == null) {
                b.append(s.literal());
            } else {
                field(b, s.field(), e, now);
            }
        }
        return b.toString();
    }

    private void field(StringBuilder b, AccessLogField field, AccessEntry e, Instant now) {
        switch (field) {
            case CLIENT -> text(b, e.client);
            case USER -> text(b, e.user());
            case TIME -> b.append(ISO_MILLIS.format(now));
            case TIME_CLF -> b.append(CLF.format(ZonedDateTime.ofInstant(now, zone)));
            case METHOD -> text(b, e.method);
            case URI -> text(b, e.uri);
            case PROTOCOL -> text(b, e.protocol);
            case REQUEST -> {
                text(b, e.method);
                b.append(' ');
                text(b, e.uri);
                if (e.protocol != null) {
                    b.append(' ').append(e.protocol);
                }
            }
            case STATUS -> b.append(e.status);
            case HOST -> text(b, e.host);
            case USER_AGENT -> text(b, e.userAgent);
            case REFERER -> text(b, e.referer);
            case BYTES_IN -> b.append(e.bytesIn);
            case BYTES_OUT -> b.append(e.bytesOut);
            case POOL -> text(b, e.pool);
            case BACKEND -> text(b, e.backend);
            case CONNECT_TIME -> time(b, e.connectNanos);
            case FIRST_BYTE_TIME -> time(b, e.firstByteNanos);
            case TOTAL_TIME -> time(b, e.totalNanos);
            case RETRIES -> b.append(e.retries);
            case REQUEST_ID -> text(b, e.requestId);
            case CACHE -> text(b, e.cache);
            case LISTENER -> b.append(listener);
            case TLS_PROTOCOL -> text(b, e.tls == null ? null : e.tls.protocol());
            case TLS_CIPHER -> text(b, e.tls == null ? null : e.tls.cipher());
            case TLS_SNI -> text(b, e.tls == null ? null : e.tls.sni());
            default -> throw new IllegalStateException("no rendering for " + field);
        }
    }

    private static void time(StringBuilder b, long nanos) {
        if (nanos < 0) {
            b.append('-');
        } else {
            AccessLog.seconds(b, nanos);
        }
    }

    /** {@code s} escaped, or {@code -} when absent or empty. */
    static void text(StringBuilder b, String s) {
        if (s == null || s.isEmpty()) {
            b.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || (c >= 0x7f && c <= 0xff)) {
                // Netty reads request bytes as ISO-8859-1: a char up to 0xff is the byte that came.
                hex(b, c);
            } else if (c > 0xff) {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                for (byte x : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    hex(b, x & 0xff);
                }
                i = end - 1;
            } else {
                b.append(c);
            }
        }
    }

    private static void hex(StringBuilder b, int c) {
        b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
    }
}
