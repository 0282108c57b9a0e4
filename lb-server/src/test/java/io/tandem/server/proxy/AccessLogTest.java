package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.config.AccessLogConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AccessLogTest {

    /** An entry as the finisher fills it, from the old positional fields. */
    static AccessEntry entry(String client, String method, String uri, int status, String backend, long bytes,
                             long nanos, String requestId) {
        AccessEntry e = new AccessEntry();
        e.client = client;
        e.method = method;
        e.uri = uri;
        e.status = status;
        e.backend = backend;
        e.bytesOut = bytes;
        e.totalNanos = nanos;
        e.requestId = requestId;
        return e;
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    // Off is the no-op instance: nothing reaches the logger.
    @Test
    void offWritesNothing() {
        AccessLog log = AccessLog.of("web", AccessLogConfig.OFF);
        assertThat(log).isSameAs(AccessLog.OFF);
        log.log(entry("10.0.0.1", "GET", "/", 200, "b:80", 5, 1_000_000, "id"));
        assertThat(lines.list).isEmpty();
    }

    // A text line has every field in order; quotes and control characters in the target are escaped.
    @Test
    void textLineEscapesTheTarget() {
        AccessLog.of("web", new AccessLogConfig(true, AccessLogConfig.Format.TEXT))
                .log(entry("10.0.0.1", "GET", "/a\"b\nc", 502, null, 42, 3_412_999, null));
        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getFormattedMessage())
                .matches("^\\S+Z web 10\\.0\\.0\\.1 \"GET /a\\\\\"b\\\\u000ac\" 502 42 - 0\\.003412 -$");
    }

    // A JSON line is one object; a null backend and request id are JSON nulls.
    @Test
    void jsonLineIsValidJson() throws Exception {
        AccessLog.of("web", new AccessLogConfig(true, AccessLogConfig.Format.JSON))
                .log(entry("::1", "POST", "/x\\y\"", 200, "10.0.0.11:80", 7, 1_500_000_000L, "req-1"));
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lines.list.get(0).getFormattedMessage());
        assertThat(n.path("listener").asText()).isEqualTo("web");
        assertThat(n.path("client").asText()).isEqualTo("::1");
        assertThat(n.path("method").asText()).isEqualTo("POST");
        assertThat(n.path("path").asText()).isEqualTo("/x\\y\"");
        assertThat(n.path("status").asInt()).isEqualTo(200);
        assertThat(n.path("bytes").asLong()).isEqualTo(7);
        assertThat(n.path("backend").asText()).isEqualTo("10.0.0.11:80");
        assertThat(n.path("duration").asDouble()).isEqualTo(1.5);
        assertThat(n.path("request_id").asText()).isEqualTo("req-1");

        lines.list.clear();
        AccessLog.of("web", new AccessLogConfig(true, AccessLogConfig.Format.JSON))
                .log(entry("::1", "GET", "/", 503, null, 0, 0, null));
        n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.list.get(0).getFormattedMessage());
        assertThat(n.path("backend").isNull()).isTrue();
        assertThat(n.path("request_id").isNull()).isTrue();
    }

    // A TCP session's text line: client, tcp, backend, bytes from the client, bytes to it, seconds, ending.
    @Test
    void tcpSessionTextLine() {
        AccessLog.of("db", new AccessLogConfig(true, AccessLogConfig.Format.TEXT))
                .session("10.0.0.1:40000", "10.0.0.21:3306", 120, 4096, 2_000_001_000L, "client-closed");
        assertThat(lines.list.get(0).getFormattedMessage())
                .matches("^\\S+Z db 10\\.0\\.0\\.1:40000 tcp 10\\.0\\.0\\.21:3306 120 4096 2\\.000001 client-closed$");
    }

    // A TCP session no backend took is a JSON object with a null backend and no bytes.
    @Test
    void tcpSessionJsonLine() throws Exception {
        AccessLog.of("db", new AccessLogConfig(true, AccessLogConfig.Format.JSON))
                .session("[::1]:5", null, 0, 0, 1_000, "no-backend");
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lines.list.get(0).getFormattedMessage());
        assertThat(n.path("listener").asText()).isEqualTo("db");
        assertThat(n.path("mode").asText()).isEqualTo("tcp");
        assertThat(n.path("backend").isNull()).isTrue();
        assertThat(n.path("bytes_received").asLong()).isZero();
        assertThat(n.path("bytes_sent").asLong()).isZero();
        assertThat(n.path("ending").asText()).isEqualTo("no-backend");
    }

    // A TCP session's line goes to the listener's sink (a syslog target), in text and in JSON, not the logger.
    @Test
    void tcpSessionLinesGoToTheSink() throws Exception {
        java.util.List<String> sent = new java.util.ArrayList<>();
        AccessLog.of("db", new AccessLogConfig(true, AccessLogConfig.Format.TEXT), sent::add)
                .session("10.0.0.1:40000", "10.0.0.21:3306", 1, 2, 1_000, "backend-closed");
        AccessLog.of("db", new AccessLogConfig(true, AccessLogConfig.Format.JSON), sent::add)
                .session("10.0.0.1:40001", null, 0, 0, 1_000, "connect-failed");
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).endsWith(" db 10.0.0.1:40000 tcp 10.0.0.21:3306 1 2 0.000001 backend-closed");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(sent.get(1)).path("ending").asText())
                .isEqualTo("connect-failed");
        assertThat(lines.list).isEmpty();
    }
}
