package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API and metrics across config reloads of the real daemon:
 * reload is token-protected, counted by result, keeps counters and
 * operator-set states, re-reads the token file, and moves the backend gauges.
 */
class AdminReloadIT {

    @TempDir
    Path dir;

    // One story, in order: each step depends on the state the one before left.
    @Test
    void reloadIsProtectedCountedAndKeepsWhatOperatorsSet() throws Exception {
        try (StubBackend a = new StubBackend("a"); StubBackend b = new StubBackend("b");
             StubBackend c = new StubBackend("c")) {
            int port = Ports.free();
            int adminPort = Ports.free();
            Path token = dir.resolve("admin.token");
            Files.writeString(token, "first-token\n");
            Path config = dir.resolve("tandem.yaml");
            String head = String.join("\n",
                    "listeners: [ { name: web, bind: 127.0.0.1:" + port + ", pool: web } ]",
                    "admin: { bind: 127.0.0.1:" + adminPort + ", token-file: " + token + " }",
                    "pools:",
                    "  web:",
                    "    backends:",
                    "      - { address: " + a.address() + " }",
                    "");
            Files.writeString(config, head + "      - { address: " + b.address() + " }\n");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try (TandemProcess tandem = TandemProcess.run(dir, config, adminPort)) {
                AdminClient admin = new AdminClient(adminPort);
                for (int i = 0; i < 4; i++) {
                    client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                            HttpResponse.BodyHandlers.discarding());
                }
                String loadedAt = admin.status().path("configLoadedAt").asText();

                // Without the token: 401, nothing reloaded, nothing counted.
                assertThat(admin.post("/api/v1/reload", null, null).statusCode()).isEqualTo(401);
                assertThat(admin.metrics().value("tandem_config_reloads_total", "result", "ok")).isEqualTo(0.0);

                // Drain a, then reload a file that replaces b with c and changes the token.
                assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "drain"), "first-token", null)
                        .statusCode()).isEqualTo(200);
                Files.writeString(config, head + "      - { address: " + c.address() + " }\n");
                Files.writeString(token, "second-token\n");
                HttpResponse<String> r = admin.post("/api/v1/reload", "first-token", null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"applied\" : true");

                PrometheusText m = admin.metrics();
                assertThat(m.value("tandem_config_reloads_total", "result", "ok")).isEqualTo(1.0);
                // Counters go on across the reload: a's two 200s are still there.
                assertThat(m.value("tandem_requests_total", "listener", "web", "pool", "web",
                        "backend", a.address(), "code", "200")).isEqualTo(2.0);
                // The drained backend stayed drained; b's gauges left with it, c's came.
                assertThat(m.value("tandem_backend_up", "pool", "web", "backend", a.address())).isEqualTo(0.0);
                assertThat(m.has("tandem_backend_up", "pool", "web", "backend", b.address())).isFalse();
                assertThat(m.value("tandem_backend_up", "pool", "web", "backend", c.address())).isEqualTo(1.0);
                JsonNode status = admin.status();
                assertThat(status.path("configLoadedAt").asText()).isNotEqualTo(loadedAt);
                assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("draining");
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.body()).isEqualTo("hello from c");

                // The token file was read again: the old token is refused, the new one works.
                assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "enable"), "first-token", null)
                        .statusCode()).isEqualTo(401);
                assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "enable"), "second-token", null)
                        .statusCode()).isEqualTo(200);

                // An invalid file is refused with 422 and counted as an error; the config in force stays.
                Files.writeString(config, head.replace("backends:", "backendz:"));
                r = admin.post("/api/v1/reload", "second-token", null);
                assertThat(r.statusCode()).isEqualTo(422);
                assertThat(r.body()).contains("\"applied\" : false", "backendz");
                m = admin.metrics();
                assertThat(m.value("tandem_config_reloads_total", "result", "error")).isEqualTo(1.0);
                assertThat(m.value("tandem_config_reloads_total", "result", "ok")).isEqualTo(1.0);
                assertThat(admin.backend("web", c.address()).path("state").asText()).isEqualTo("up");
            }
        }
    }
}
