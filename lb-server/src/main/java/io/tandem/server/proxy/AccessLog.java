package io.tandem.server.proxy;

import io.tandem.config.AccessLogConfig;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per finished request through the {@code tandem.access} logger, as
 * text or JSON (docs/operations.md shows both and the Logback setup).
 * {@link #OFF} when a listener does not log, chosen once per listener.
 *
 * <p>Called on the client's event loop; the lines are handed to Logback,
 * whose appenders decide where they go (and whether asynchronously).
 */
interface AccessLog {

    /** The logger every access line goes through. */
    String LOGGER = "tandem.access";

    AccessLog OFF = (client, method, uri, status, backend, bytes, nanos, requestId) -> { };

    /**
     * Logs one request.
     *
     * @param backend   the backend that answered, or null when Tandem answered itself
     * @param bytes     response body bytes sent to the client
     * @param nanos     from request head received to response end
     * @param requestId the X-Request-Id sent to the backend, or null when none was made (malformed request)
     */
    void log(String client, String method, String uri, int status, String backend, long bytes, long nanos,
             String requestId);

    /**
     * Logs one connection of a {@code mode: tcp} listener.
     *
     * @param backend  the backend it was forwarded to, or null when none took it
     * @param received bytes read from the client (and sent to the backend)
     * @param sent     bytes read from the backend (and sent to the client)
     * @param nanos    from accept to the close of both sides
     * @param ending   why it ended: client-closed, backend-closed, idle-timeout, shutdown, backend-down,
     *                 no-backend, connect-failed, connect-timeout
     */
    default void session(String client, String backend, long received, long sent, long nanos, String ending) {
    }

    static AccessLog of(String listener, AccessLogConfig config) {
        if (!config.enabled()) {
            return OFF;
        }
        Logger logger = LoggerFactory.getLogger(LOGGER);
        return config.format() == AccessLogConfig.Format.JSON ? new Json(listener, logger) : new Text(listener, logger);
    }

    /** {@code TIME LISTENER CLIENT "METHOD URI" STATUS BYTES BACKEND SECONDS REQUEST-ID}, like a common log line. */
    final class Text implements AccessLog {
        private final String listener;
        private final Logger logger;

        Text(String listener, Logger logger) {
            this.listener = listener;
            this.logger = logger;
        }

        @Override
        public void log(String client, String method, String uri, int status, String backend, long bytes,
                        long nanos, String requestId) {
            if (!logger.isInfoEnabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(160)
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append(' ')
                    .append(listener).append(' ')
                    .append(client).append(" \"").append(method).append(' ');
            escape(b, uri);
            b.append("\" ").append(status).append(' ').append(bytes).append(' ')
                    .append(backend == null ? "-" : backend).append(' ');
            seconds(b, nanos);
            b.append(' ').append(requestId == null ? "-" : requestId);
            logger.info(b.toString());
        }

        /** {@code TIME LISTENER CLIENT tcp BACKEND RECEIVED SENT SECONDS ENDING}. */
        @Override
        public void session(String client, String backend, long received, long sent, long nanos, String ending) {
            if (!logger.isInfoEnabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(120)
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append(' ')
                    .append(listener).append(' ').append(client).append(" tcp ")
                    .append(backend == null ? "-" : backend).append(' ')
                    .append(received).append(' ').append(sent).append(' ');
            seconds(b, nanos);
            logger.info(b.append(' ').append(ending).toString());
        }
    }

    /** One JSON object per line, for log shippers. */
    final class Json implements AccessLog {
        private final String listener;
        private final Logger logger;

        Json(String listener, Logger logger) {
            this.listener = listener;
            this.logger = logger;
        }

        @Override
        public void log(String client, String method, String uri, int status, String backend, long bytes,
                        long nanos, String requestId) {
            if (!logger.isInfoEnabled()) {
                return;
            }
            StringBuilder b = new StringBuilder(240).append("{\"time\":\"")
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.now()))
                    .append("\",\"listener\":\"");
            escape(b, listener);
            b.append("\",\"client\":\"").append(client).append("\",\"method\":\"");
            escape(b, method);
            b.append("\",\"path\":\"");
            escape(b, uri);
            b.append("\",\"status\":").append(status).append(",\"bytes\":").append(bytes).append(",\"backend\":");
            if (backend == null) {
                b.append("null");
            } else {
                b.append('"').append(backend).append('"');
            }
            b.append(",\"duration\":");
            seconds(b, nanos);
            b.append(",\"request_id\":");
            if (requestId == null) {
                b.append("null");
            } else {
                b.append('"');
                escape(b, requestId);
                b.append('"');
            }
            logger.info(b.append('}').toString());
        }

        @Override
        public void session(String client, String backend, long received, long sent, long nanos, String ending) {
            if (!logger.isInfoEnabled()) {
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
            logger.info(b.append(",\"ending\":\"").append(ending).append("\"}").toString());
        }
    }

    /** Seconds with microsecond precision, e.g. 0.003412. */
    private static void seconds(StringBuilder b, long nanos) {
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
