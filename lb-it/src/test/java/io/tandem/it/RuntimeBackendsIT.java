package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backends added, moved and removed through the admin API of the real daemon:
 * checked before traffic, removed without a failed request, kept in the state
 * file across reloads and restarts until the config names them itself.
 */
class RuntimeBackendsIT {

    static final String TOKEN = "runtime-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private void startTandem(StubBackend... backends) throws Exception {
        lb.config().listener("web", "web")
                .admin("token-file", lb.file("admin.token", TOKEN + "\n"))
                .pool("web", p -> p.health("path: /health, interval: 100ms, timeout: 1s, rise: 2, fall: 2")
                        .set("slow-start", "500ms").backends(backends));
        lb.start();
    }

    private HttpResponse<String> send(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(lb.admin().uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return lb.admin().send(b.build());
    }

    private HttpResponse<String> add(String json) {
        return send("POST", "/api/v1/pools/web/backends", json, TOKEN);
    }

    /** The pool's backends as the API lists them: address -> that backend's JSON. */
    private JsonNode backend(String address) {
        HttpResponse<String> r = lb.admin().get("/api/v1/pools/web/backends");
        assertThat(r.statusCode()).isEqualTo(200);
        for (JsonNode b : json(r.body()).get("backends")) {
            if (b.get("address").asText().equals(address)) {
                return b;
            }
        }
        return null;
    }

    private static String readState(Path state) {
        try {
            return Files.readString(state);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // A backend added under load is checked (rise 2) before its first request, then takes traffic;
    // moved to another address, the new one takes over; removed, it drains and leaves. Not one request fails.
    @Test
    void addMoveRemoveUnderLoadLoseNothing() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        StubBackend c = lb.stub("c");
        startTandem(a);
        try (LoadLoop load = new LoadLoop(lb.uri("web", "/"), 4, 200_000, Duration.ofMinutes(2))) {
            Poll.until(Duration.ofSeconds(10), "traffic through a", () -> load.answeredBy("a") > 50);

            HttpResponse<String> added = add("{\"address\": \"" + b.address() + "\", \"weight\": 2}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            JsonNode answer = JSON.readTree(added.body());
            assertThat(answer.get("origin").asText()).isEqualTo("api");
            assertThat(answer.get("weight").asInt()).isEqualTo(2);
            assertThat(answer.get("state").asText()).isEqualTo("down");
            Poll.until(Duration.ofSeconds(10), "b to take traffic", () -> load.answeredBy("b") > 50);
            // rise 2: two passed checks before the first request
            java.util.List<String> first = java.util.List.copyOf(b.firstPaths);
            int firstRequest = first.indexOf("/");
            assertThat(firstRequest).as("b's first requests: %s", first).isGreaterThanOrEqualTo(2);
            assertThat(first.subList(0, firstRequest)).containsOnly("/health");

            HttpResponse<String> moved = send("POST", "/api/v1/pools/web/backends/" + b.address() + "/address",
                    "{\"address\": \"" + c.address() + "\"}", TOKEN);
            assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
            assertThat(JSON.readTree(moved.body()).get("address").asText()).isEqualTo(c.address());
            Poll.until(Duration.ofSeconds(10), "c to take traffic", () -> load.answeredBy("c") > 50);
            Poll.until(Duration.ofSeconds(10), "b to leave the pool", () -> backend(b.address()) == null);
            long byB = load.answeredBy("b");
            assertThat(backend(c.address()).get("weight").asInt()).isEqualTo(2);

            HttpResponse<String> removed = send("DELETE", "/api/v1/pools/web/backends/" + c.address(), null, TOKEN);
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(202);
            assertThat(JSON.readTree(removed.body()).get("state").asText()).isEqualTo("draining");
            Poll.until(Duration.ofSeconds(10), "c to leave the pool", () -> backend(c.address()) == null);
            long byC = load.answeredBy("c");
            long before = load.ok.get();
            Poll.until(Duration.ofSeconds(10), "200 more requests", () -> load.ok.get() > before + 200);
            load.stop();

            assertThat(load.failures).isEmpty();
            assertThat(load.answeredBy("b")).isEqualTo(byB);
            assertThat(load.answeredBy("c")).isEqualTo(byC);
            assertThat(backend(a.address()).get("origin").asText()).isEqualTo("file");
        }
    }

    // The state file keeps an added backend through a reload and a restart; once the config names
    // it, the file decides (origin file) and the state file forgets it.
    @Test
    void stateFileSurvivesReloadAndRestart() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        startTandem(a);
        Path state = lb.dir().resolve("tandem.state.json");
        assertThat(add("{\"address\": \"" + b.address() + "\", \"weight\": 3, \"sticky-id\": \"web-b\"}")
                .statusCode()).isEqualTo(201);
        JsonNode saved = JSON.readTree(Files.readString(state));
        assertThat(saved.get("pools").get("web").get(0).get("address").asText()).isEqualTo(b.address());
        assertThat(saved.get("pools").get("web").get(0).get("stickyId").asText()).isEqualTo("web-b");

        assertThat(lb.admin().post("/api/v1/reload", TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(backend(b.address()).get("origin").asText()).isEqualTo("api");
        assertThat(lb.admin().post("/api/v1/pools/web/backends/" + b.address() + "/weight?weight=4", TOKEN, null)
                .statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "weight 4 in the state file", () -> json(readState(state))
                .get("pools").get("web").get(0).get("weight").asInt() == 4);

        lb.node().restart();
        JsonNode afterRestart = backend(b.address());
        assertThat(afterRestart.get("origin").asText()).isEqualTo("api");
        assertThat(afterRestart.get("weight").asInt()).isEqualTo(4);
        assertThat(afterRestart.get("configuredWeight").asInt()).isEqualTo(4);
        Poll.until(Duration.ofSeconds(10), "b up after the restart",
                () -> backend(b.address()).get("state").asText().equals("up"));

        lb.config().pool("web").backend(b);
        lb.writeConfig();
        HttpResponse<String> reload = lb.admin().post("/api/v1/reload", TOKEN, null);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(backend(b.address()).get("origin").asText()).isEqualTo("file");
        assertThat(JSON.readTree(Files.readString(state)).get("pools").size()).isZero();
        lb.node().restart();
        assertThat(backend(b.address()).get("origin").asText()).isEqualTo("file");
    }

    // What the API refuses, and why: no token, a backend the file names, an unknown pool,
    // a taken address, a malformed body. Nothing changes.
    @Test
    void refusalsSayWhy() throws Exception {
        StubBackend a = lb.stub("a");
        startTandem(a);
        String body = "{\"address\": \"127.0.0.1:1\"}";
        assertThat(send("POST", "/api/v1/pools/web/backends", body, null).statusCode()).isEqualTo(401);
        HttpResponse<String> fileOne = send("DELETE", "/api/v1/pools/web/backends/" + a.address(), null, TOKEN);
        assertThat(fileOne.statusCode()).isEqualTo(409);
        assertThat(fileOne.body()).isEqualTo("backend " + a.address() + " of pool 'web' is named in the config file "
                + lb.configFile() + ", which decides what it names: remove it there and reload, or drain it\n");
        HttpResponse<String> noPool = send("POST", "/api/v1/pools/nosuch/backends", body, TOKEN);
        assertThat(noPool.statusCode()).isEqualTo(404);
        assertThat(noPool.body()).isEqualTo("no pool named 'nosuch'; pools are web\n");
        HttpResponse<String> taken = add("{\"address\": \"" + a.address() + "\"}");
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(taken.body()).isEqualTo("pool 'web' already has backend " + a.address() + " (from file)\n");
        HttpResponse<String> malformed = add("{\"address\": \"127.0.0.1\", \"weight\": 2}");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).isEqualTo("address '127.0.0.1' has no port; expected host:port such as "
                + "10.0.0.11:80, [::1]:8080 or *:80\n");
        HttpResponse<String> unknown = add("{\"address\": \"127.0.0.1:1\", \"wieght\": 2}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).startsWith("unknown key 'wieght'");
        assertThat(lb.admin().get("/api/v1/pools/web/backends").body()).doesNotContain("127.0.0.1:1\"");
        assertThat(Files.exists(lb.dir().resolve("tandem.state.json"))).isFalse();
    }
}
