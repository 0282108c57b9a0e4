package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The daemon's JSON lines: exact fields, escaping, and the exception as one string. */
class JsonLogLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.tandem.server.TandemServer");

    private LoggingEvent event(String message, Throwable thrown, Object... args) {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args);
        e.setTimeStamp(1_796_589_005_123L); // 2026-12-06T20:30:05.123Z
        e.setThreadName("tandem-control");
        return e;
    }

    // A plain event is one line with the five fields in order, the time in UTC with milliseconds.
    @Test
    void exactLine() {
        assertThat(new JsonLogLayout().doLayout(event("listener {} on {}", null, "web", "0.0.0.0:80")))
                .isEqualTo("{\"timestamp\":\"2026-12-06T20:30:05.123Z\",\"level\":\"WARN\","
                        + "\"logger\":\"io.tandem.server.TandemServer\",\"thread\":\"tandem-control\","
                        + "\"message\":\"listener web on 0.0.0.0:80\"}\n");
    }

    // Quotes, backslashes, newlines, tabs and other control characters are escaped; the line stays one line.
    @Test
    void escaping() {
        StringBuilder b = new StringBuilder();
        JsonLogLayout.string(b, "a\"b\\c\nd\re\tf\u0001g\u2028h\u00e9");
        assertThat(b.toString()).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u2028h\u00e9\"");
    }

    // An exception becomes one string with its class, message and stack; the whole line parses as JSON.
    @Test
    void exceptionAsString() throws Exception {
        String line = new JsonLogLayout().doLayout(event("reload \"failed\"", new IllegalStateException("bad\nthing")));
        assertThat(line).endsWith("}\n").doesNotContain("\n\t");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        JsonNode n = new ObjectMapper().readTree(line);
        assertThat(n.path("message").asText()).isEqualTo("reload \"failed\"");
        assertThat(n.path("exception").asText())
                .startsWith("java.lang.IllegalStateException: bad\nthing\n\tat io.tandem.server.JsonLogLayoutTest.");
    }
}
