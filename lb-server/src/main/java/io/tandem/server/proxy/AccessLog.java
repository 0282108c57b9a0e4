package io.tandem.server.proxy;

import io.tandem.config.AccessLogConfig;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per finished request, in the listener's format, to its
 * {@link Sink}: the {@code tandem.access} logger, or a syslog server
 * ({@link AccessLogs}). {@link #OFF} when a listener does not log, chosen once
 * per listener; docs/operations.md shows every format.
 *
 * <p>Called on the client's event loop. A sink never blocks it: the logger's
 * appenders decide (docs/operations.md recommends an asynchronous one for
 * files), the syslog sink only queues.
 */
interface AccessLog {

    /** The logger every access line goes through when there is no syslog target. */
    String LOGGER = "tandem.access";

    AccessLog OFF = entry -> { };

    /** Logs one request; {@code entry} is read now and not kept. */
    void log(AccessEntry entry);

    /**
     * Logs one connection of a {@code mode: tcp} listener.
     *
     * @param backend  the backend it was forwarded to, or null when none took it
     * @param received bytes read from the client (and sent to the backend)
     * @param sent     bytes read from the backend (and sent to the client)
     * @param nanos    from accept to the close of both sides
     * @param ending   why it ended: client-closed, backend-closed, idle-timeout, shutdown, backend-down,
     *                 no-backend, connect-failed, connect-timeout
     *                 (only the text and json formats log connections: tandem check refuses the others,
     *                 which describe HTTP requests, on a {@code mode: tcp} listener)
     */
    default void session(String client, String backend, long received, long sent, long nanos, String ending) {
    }

    /** Where finished lines go. */
    @FunctionalInterface
    interface Sink {

        /** The {@code tandem.access} logger, looked up once. */
        Logger ACCESS = LoggerFactory.getLogger(LOGGER);

        void write(String line);

        /**
         * False when the {@code tandem.access} logger is off: the line is not
         * even formatted. Its level rules every sink, syslog targets too, so
         * one runtime level change silences or resumes them all.
         */
        default boolean enabled() {
            return ACCESS.isInfoEnabled();
        }

        /** The {@code tandem.access} logger at INFO. */
        static Sink logger() {
            return ACCESS::info;
        }
    }

    /** The listener's access log to the {@code tandem.access} logger. */
    static AccessLog of(String listener, AccessLogConfig config) {
        return of(listener, config, Sink.logger());
    }

    static AccessLog of(String listener, AccessLogConfig config, Sink sink) {
        if (!config.enabled()) {
            return OFF;
        }
        return switch (config.format()) {
            case TEXT -> new Text(listener, sink);
            case JSON -> new Json(listener, sink);
            default -> new TemplateLine(listener, config.template().orElseThrow(), sink);
        };
    }

    /** {@code TIME LISTENER CLIENT "METHOD URI" STATUS BYTES BACKEND SECONDS REQUEST-ID}, like a common log line. */
    final class Text implements AccessLog {
        private final String listener;
        private final Sink sink;

        Text(String listener, Sink sink) {
            this.listener = listener;
            this.sink = sink;
        }

        @Override
        public void log(AccessEntry e) {
            if (!sink.enabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(160)
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append(' ')
                    .append(listener).append(' ')
                    .append(e.client).append(" \"").append(e.method).append(' ');
            escape(b, e.uri);
            b.append("\" ").append(e.status).append(' ').append(e.bytesOut).append(' ')
                    .append(e.backend == null ? "-" : e.backend).append(' ');
            seconds(b, e.totalNanos);
            b.append(' ').append(e.requestId == null ? "-" : e.requestId);
            sink.write(b.toString());
        }

        /** {@code TIME LISTENER CLIENT tcp BACKEND RECEIVED SENT SECONDS ENDING}. */
        @Override
        public void session(String client, String backend, long received, long sent, long nanos, String ending) {
            if (!sink.enabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(120)
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append(' ')
                    .append(listener).append(' ').append(client).append(" tcp ")
                    .append(backend == null ? "-" : backend).append(' ')
                    .append(received).append(' ').append(sent).append(' ');
            seconds(b, nanos);
            sink.write(b.append(' ').append(ending).toString());
        }
    }

    /** One JSON object per line, for log shippers. */
    final class Json implements AccessLog {
        private final String listener;
        private final Sink sink;

        Json(String listener, Sink sink) {
            this.listener = listener;
            this.sink = sink;
        }

        @Override
        public void log(AccessEntry e) {
            if (!sink.enabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(240).append("{\"time\":\"")
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now()))
                    .append("\",\"listener\":\"");
            escape(b, listener);
            b.append("\",\"client\":\"").append(e.client).append("\",\"method\":\"");
            escape(b, e.method);
            b.append("\",\"path\":\"");
            escape(b, e.uri);
            b.append("\",\"status\":").append(e.status).append(",\"bytes\":").append(e.bytesOut)
                    .append(",\"backend\":");
            if (e.backend == null) {
                b.append("null");
            } else {
                b.append('"').append(e.backend).append('"');
            }
            b.append(",\"duration\":");
            seconds(b, e.totalNanos);
            b.append(",\"request_id\":");
            if (e.requestId == null) {
                b.append("null");
            } else {
                b.append('"');
                escape(b, e.requestId);
                b.append('"');
            }
            if (e.cache != null) {
                b.append(",\"cache\":\"").append(e.cache).append('"');
            }
            sink.write(b.append('}').toString());
        }

        @Override
        public void session(String client, String backend, long received, long sent, long nanos, String ending) {
            if (!sink.enabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(200).append("{\"time\":\"")
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now()))
                    .append("\",\"listener\":\"");
            escape(b, listener);
            b.append("\",\"client\":\"").append(client).append("\",\"mode\":\"tcp\",\"backend\":");
            if (backend == null) {
                b.append("null");
            } else {
                b.append('"').append(backend).append('"');
            }
            b.append(",\"bytes_received\":").append(received).append(",\"bytes_sent\":").append(sent)
                    .append(",\"duration\":");
            seconds(b, nanos);
            sink.write(b.append(",\"ending\":\"").append(ending).append("\"}").toString());
        }
    }

    /** Seconds with microsecond precision, e.g. 0.003412. */
    static void seconds(StringBuilder b, long nanos) {
        long micros = Math.max(0, nanos / 1000);
        b.append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        for (int i = frac.length(); i < 6; i++) {
            b.append('0');
        }
        b.append(frac);
    }

    /**
     * Escapes quotes, backslashes and control characters as JSON does, so a
     * crafted request target can neither break a line nor forge a field.
     */
    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
    }
}
