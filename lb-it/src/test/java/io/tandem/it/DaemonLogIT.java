package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon's own log of the real process: JSON lines with
 * {@code TANDEM_LOG_FORMAT=json} (access lines keep their format), and log
 * levels read and changed through the admin API while it runs.
 */
class DaemonLogIT {

    static final String TOKEN = "log-level-token";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static AdminClient admin;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        StubBackend a = lb.stub("a");
        lb.node().environment("TANDEM_LOG_FORMAT", "json");
        lb.config()
                .listener("web", "web", l -> l.accessLog("enabled: true, format: json"))
                .admin("token-file", lb.file("admin.token", TOKEN + "\n"))
                .pool("web", p -> p.backend(a));
        lb.start();
        admin = lb.admin();
    }

    /** The output's lines that are JSON objects, parsed. */
    static List<JsonNode> jsonLines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : lb.output().split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    static long debugLinesOf(String logger, String text) throws Exception {
        return jsonLines().stream().filter(n -> n.path("level").asText().equals("DEBUG")
                && n.path("logger").asText().equals(logger) && n.path("message").asText().contains(text)).count();
    }

    static HttpResponse<String> setLevel(String method, String token, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.uri("/api/v1/log-level"))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", contentType);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return admin.send(b.build());
    }

    /** Sends a request head with a line that is no header: the listener answers 400. */
    static void malformedRequest() throws Exception {
        try (RawClient raw = new RawClient(lb.port("web"))) {
            raw.send("GET / HTTP/1.1\r\nHost: t\r\nno-colon-here\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(400);
        }
    }

    /** Sends a logged request and waits for its access line: every line logged before it is out. */
    static void barrier(String id) throws Exception {
        assertThat(client.send(HttpRequest.newBuilder(lb.uri("web", "/")).header("X-Request-Id", id).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "the access line of " + id, () -> lb.output().contains(id));
    }

    // Each daemon line is one JSON object with exactly timestamp, level, logger, thread and message; access lines
    // keep their own JSON.
    @Test
    void daemonLinesAreJson() throws Exception {
        barrier("json-barrier-1");
        JsonNode listener = jsonLines().stream()
                .filter(n -> n.path("message").asText().startsWith("listener web on ")).findFirst().orElseThrow();
        List<String> fields = new ArrayList<>();
        listener.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("timestamp", "level", "logger", "thread", "message");
        assertThat(listener.path("level").asText()).isEqualTo("INFO");
        assertThat(listener.path("logger").asText()).isEqualTo("io.tandem.server.TandemServer");
        assertThat(listener.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(listener.path("thread").asText()).isNotEmpty();
        JsonNode access = jsonLines().stream().filter(n -> n.path("request_id").asText().equals("json-barrier-1"))
                .findFirst().orElseThrow();
        assertThat(access.has("level")).isFalse();
        assertThat(access.path("listener").asText()).isEqualTo("web");
        // Nothing the daemon printed is a text log line.
        assertThat(Arrays.stream(lb.output().split("\n"))
                .filter(l -> l.matches("^\\d{4}-\\d\\d-\\d\\dT.* (INFO|WARN) .*")))
                .isEmpty();
    }

    // Levels are listed; a change needs the token, a bad level is 400 naming the levels; DEBUG then shows
    // io.tandem's debug lines, and INFO hides them again.
    @Test
    void levelsChangeAtRuntime() throws Exception {
        JsonNode listed = JSON.readTree(admin.get("/api/v1/log-level").body());
        assertThat(listed.path("loggers").path("ROOT").asText()).isEqualTo("INFO");
        assertThat(listed.path("loggers").path("io.netty").asText()).isEqualTo("WARN");
        assertThat(listed.path("loggers").path("tandem.access").asText()).isEqualTo("INFO");
        List<String> levels = new ArrayList<>();
        for (Iterator<JsonNode> i = listed.path("levels").elements(); i.hasNext(); ) {
            levels.add(i.next().asText());
        }
        assertThat(levels).containsExactly("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

        String debug = "{\"logger\": \"io.tandem\", \"level\": \"DEBUG\"}";
        HttpResponse<String> noToken = setLevel("PUT", null, "application/json", debug);
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> bad = setLevel("PUT", TOKEN, "application/json",
                "{\"logger\": \"io.tandem\", \"level\": \"LOUD\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("'LOUD' is not a log level; expected one of TRACE, DEBUG, INFO, WARN, "
                + "ERROR, OFF\n");

        HttpResponse<String> set = setLevel("PUT", TOKEN, "application/json", debug);
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(set.body())).isEqualTo(JSON.readTree(
                "{\"logger\": \"io.tandem\", \"level\": \"DEBUG\", \"previous\": \"INFO\"}"));
        malformedRequest();
        Poll.until(Duration.ofSeconds(10), "a DEBUG line of the rejected request", () -> {
            try {
                return debugLinesOf("io.tandem.server.proxy.FrontendHandler", "rejected request from 127.0.0.1") == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        HttpResponse<String> back = setLevel("POST", TOKEN, "application/x-www-form-urlencoded",
                "logger=io.tandem&level=info");
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(back.body())).isEqualTo(JSON.readTree(
                "{\"logger\": \"io.tandem\", \"level\": \"INFO\", \"previous\": \"DEBUG\"}"));
        assertThat(JSON.readTree(admin.get("/api/v1/log-level").body()).path("loggers").path("io.tandem").asText())
                .isEqualTo("INFO");
        malformedRequest();
        barrier("after-info-1");
        assertThat(debugLinesOf("io.tandem.server.proxy.FrontendHandler", "rejected request from 127.0.0.1"))
                .isEqualTo(1);
        assertThat(lb.output()).contains("admin: log level of io.tandem INFO -> DEBUG (asked by 127.0.0.1")
                .contains("admin: log level of io.tandem DEBUG -> INFO (asked by 127.0.0.1");
    }
}
