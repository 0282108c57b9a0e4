package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin API of the real daemon, token-protected: /status, weight,
 * drain/enable, /healthz, and the 401/403/404/405/400 answers, each proven
 * by what the proxy then does with real requests.
 */
class AdminApiIT {

    static final String TOKEN = "s3cret-admin-token";

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static AdminClient admin;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        lb.config()
                .listener("web", "web")
                .admin("token-file", lb.file("admin.token", TOKEN + "\n"))
                .pool("web", p -> p.backend(a, "weight: 3").backend(b));
        lb.start();
        admin = lb.admin();
    }

    /** Every test leaves both backends up at their configured weights. */
    @AfterEach
    void restore() {
        for (String addr : List.of(a.address(), b.address())) {
            admin.post(backendPath("web", addr, "enable"), TOKEN, null);
        }
        admin.post(backendPath("web", a.address(), "weight"), TOKEN, "weight=3");
        admin.post(backendPath("web", b.address(), "weight"), TOKEN, "weight=1");
    }

    static String backendPath(String pool, String address, String action) {
        return "/api/v1/pools/" + pool + "/backends/" + address + "/" + action;
    }

    /** Which backend answered each of {@code n} requests. */
    static List<String> answeredBy(int n) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.uri("web", "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            names.add(r.headers().firstValue("X-Backend").orElseThrow());
        }
        return names;
    }

    // /status names the version, config file, uptime, the listener, the pool and each backend's live figures.
    @Test
    void statusDescribesListenersPoolsAndBackends() {
        JsonNode s = admin.status();
        assertThat(s.path("version").asText()).isNotBlank().isNotEqualTo("unknown");
        assertThat(s.path("config").asText()).isEqualTo(lb.configFile().toString());
        assertThat(s.path("configLoadedAt").asText()).isEqualTo(s.path("startedAt").asText());
        assertThat(s.path("uptimeSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(s.path("failover").path("role").asText()).isEqualTo("standalone");
        assertThat(s.path("failover").path("peer").isNull()).isTrue();
        JsonNode listener = s.path("listeners").get(0);
        assertThat(listener.path("name").asText()).isEqualTo("web");
        assertThat(listener.path("address").asText()).isEqualTo("127.0.0.1:" + lb.port("web"));
        assertThat(listener.path("pool").asText()).isEqualTo("web");
        JsonNode pool = s.path("pools").path("web");
        assertThat(pool.path("strategy").asText()).isEqualTo("round-robin");
        assertThat(pool.path("live").asInt()).isEqualTo(2);
        JsonNode first = pool.path("backends").get(0);
        assertThat(first.path("address").asText()).isEqualTo(a.address());
        assertThat(first.path("state").asText()).isEqualTo("up");
        assertThat(first.path("weight").asInt()).isEqualTo(3);
        assertThat(first.path("configuredWeight").asInt()).isEqualTo(3);
        assertThat(first.path("activeRequests").asInt()).isEqualTo(0);
        assertThat(first.has("lastCheck")).isTrue();
        assertThat(pool.path("backends").get(1).path("address").asText()).isEqualTo(b.address());
    }

    // A drained backend gets no new requests; enabled again, it is back in rotation.
    @Test
    void drainAndEnableTakeABackendOutAndBackIn() throws Exception {
        HttpResponse<String> r = admin.post(backendPath("web", a.address(), "drain"), TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"state\" : \"draining\"");
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("draining");
        assertThat(answeredBy(4)).containsOnly("b");
        assertThat(admin.metrics().value("tandem_backend_up", "pool", "web", "backend", a.address())).isEqualTo(0.0);

        r = admin.post(backendPath("web", a.address(), "enable"), TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("up");
        assertThat(answeredBy(4)).containsOnly("a", "b").contains("a", "b");
    }

    // Weight 0 takes a backend out of rotation; the query and the form body both set it; /status and metrics show it.
    @Test
    void weightChangesAtRuntime() throws Exception {
        HttpResponse<String> r = admin.post(backendPath("web", a.address(), "weight") + "?weight=0", TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(admin.backend("web", a.address()).path("weight").asInt()).isEqualTo(0);
        assertThat(answeredBy(4)).containsOnly("b");

        r = admin.post(backendPath("web", a.address(), "weight"), TOKEN, "weight=250");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode backend = admin.backend("web", a.address());
        assertThat(backend.path("weight").asInt()).isEqualTo(250);
        assertThat(backend.path("configuredWeight").asInt()).isEqualTo(3);
        assertThat(admin.metrics().value("tandem_backend_weight", "pool", "web", "backend", a.address()))
                .isEqualTo(250.0);
        assertThat(answeredBy(4)).contains("a");
    }

    // Weights outside 0-1000, not numbers, or missing are refused with 400 and change nothing.
    @Test
    void invalidWeightsAreRefused() {
        for (String body : List.of("weight=1001", "weight=-1", "weight=abc", "")) {
            HttpResponse<String> r = admin.post(backendPath("web", a.address(), "weight"), TOKEN, body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(r.body()).as(body).contains("weight");
        }
        assertThat(admin.backend("web", a.address()).path("weight").asInt()).isEqualTo(3);
    }

    // A missing or wrong token gets 401 and the backend stays as it was.
    @Test
    void mutatingCallsNeedTheToken() throws Exception {
        HttpResponse<String> missing = admin.post(backendPath("web", a.address(), "drain"), null, null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"tandem\"");
        HttpResponse<String> wrong = admin.post(backendPath("web", a.address(), "drain"), "not-the-token", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> weight = admin.post(backendPath("web", a.address(), "weight"), "x", "weight=0");
        assertThat(weight.statusCode()).isEqualTo(401);
        JsonNode backend = admin.backend("web", a.address());
        assertThat(backend.path("state").asText()).isEqualTo("up");
        assertThat(backend.path("weight").asInt()).isEqualTo(3);
        assertThat(answeredBy(4)).contains("a", "b");
        // Reading needs no token.
        assertThat(admin.get("/status").statusCode()).isEqualTo(200);
        assertThat(admin.get("/metrics").statusCode()).isEqualTo(200);
    }

    // An unknown pool or backend is a 404 that says which name is unknown and lists the known ones.
    @Test
    void unknownPoolOrBackendIs404WithAMessage() {
        HttpResponse<String> pool = admin.post(backendPath("nope", a.address(), "drain"), TOKEN, null);
        assertThat(pool.statusCode()).isEqualTo(404);
        assertThat(pool.body()).isEqualTo("no pool named 'nope'; pools are web\n");
        HttpResponse<String> backend = admin.post(backendPath("web", "10.9.9.9:80", "drain"), TOKEN, null);
        assertThat(backend.statusCode()).isEqualTo(404);
        assertThat(backend.body()).isEqualTo("pool 'web' has no backend '10.9.9.9:80'; its backends are "
                + a.address() + ", " + b.address() + "\n");
        assertThat(admin.get("/nothing-here").statusCode()).isEqualTo(404);
    }

    // A known path with the wrong method is a 405 that lists the allowed methods.
    @Test
    void wrongMethodIs405() {
        HttpResponse<String> get = admin.get(backendPath("web", a.address(), "drain"));
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> post = admin.post("/status", TOKEN, null);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("up");
    }

    // A browser page of another site cannot change this node, even with the token.
    @Test
    void crossSiteCallsAreRefused() {
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(admin.uri(backendPath("web", a.address(), "drain")))
                .POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + TOKEN)
                .header("Origin", "http://evil.example")
                .build());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("up");
    }

    // /healthz answers 200 ok while the daemon runs; the admin port is on loopback.
    @Test
    void healthzAnswersOk() {
        HttpResponse<String> r = admin.get("/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok\n");
    }
}
