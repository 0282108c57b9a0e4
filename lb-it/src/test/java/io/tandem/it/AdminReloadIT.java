package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin API and metrics across config reloads of the real daemon:
 * reload is token-protected, counted by result, keeps counters and
 * operator-set states, re-reads the token file, and moves the backend gauges.
 */
class AdminReloadIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    // One story, in order: each step depends on the state the one before left.
    @Test
    void reloadIsProtectedCountedAndKeepsWhatOperatorsSet() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        StubBackend c = lb.stub("c");
        Path token = lb.file("admin.token", "first-token\n");
        lb.config()
                .listener("web", "web")
                .admin("token-file", token)
                .pool("web", p -> p.backends(a, b));
        lb.start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AdminClient admin = lb.admin();
        for (int i = 0; i < 4; i++) {
            client.send(HttpRequest.newBuilder(lb.uri("web", "/")).build(), HttpResponse.BodyHandlers.discarding());
        }
        String loadedAt = admin.status().path("configLoadedAt").asText();

        // Without the token: 401, nothing reloaded, nothing counted.
        assertThat(admin.post("/api/v1/reload", null, null).statusCode()).isEqualTo(401);
        assertThat(admin.metrics().value("tandem_config_reloads_total", "result", "ok")).isEqualTo(0.0);

        // Drain a, then reload a file that replaces b with c and changes the token.
        assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "drain"), "first-token", null)
                .statusCode()).isEqualTo(200);
        lb.config().pool("web").clearBackends().backends(a, c);
        lb.writeConfig();
        Files.writeString(token, "second-token\n");
        HttpResponse<String> r = admin.post("/api/v1/reload", "first-token", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"applied\" : true");

        PrometheusText m = admin.metrics();
        assertThat(m.value("tandem_config_reloads_total", "result", "ok")).isEqualTo(1.0);
        assertThat(m.value("tandem_config_last_reload_success")).isEqualTo(1.0);
        double appliedAt = m.value("tandem_config_last_reload_success_timestamp_seconds");
        assertThat(appliedAt).isEqualTo(
                Instant.parse(admin.status().path("configLoadedAt").asText()).toEpochMilli() / 1000.0);
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
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(lb.uri("web", "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).isEqualTo("hello from c");

        // The token file was read again: the old token is refused, the new one works.
        assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "enable"), "first-token", null)
                .statusCode()).isEqualTo(401);
        assertThat(admin.post(AdminApiIT.backendPath("web", a.address(), "enable"), "second-token", null)
                .statusCode()).isEqualTo(200);

        // An invalid file is refused with 422 and counted as an error; the config in force stays.
        lb.writeConfig(lb.config().render().replace("backends:", "backendz:"));
        r = admin.post("/api/v1/reload", "second-token", null);
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"applied\" : false", "backendz");
        m = admin.metrics();
        assertThat(m.value("tandem_config_reloads_total", "result", "error")).isEqualTo(1.0);
        assertThat(m.value("tandem_config_reloads_total", "result", "ok")).isEqualTo(1.0);
        // The refused reload shows as the last one failed; the time of the config in force stays.
        assertThat(m.value("tandem_config_last_reload_success")).isEqualTo(0.0);
        assertThat(m.value("tandem_config_last_reload_success_timestamp_seconds")).isEqualTo(appliedAt);
        assertThat(admin.backend("web", c.address()).path("state").asText()).isEqualTo("up");
    }
}
