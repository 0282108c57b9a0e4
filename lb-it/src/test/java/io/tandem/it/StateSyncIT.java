package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real Tandem processes on loopback paired with {@code state-sync: true}:
 * a runtime change made on either node is applied on both, an ejection the
 * master's traffic causes is known to the backup, and after the link is cut
 * (a node stopped) and restored the two are in sync again.
 */
class StateSyncIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final int[] udp = Ports.free(2);
    final TandemFixture.Node[] nodes = new TandemFixture.Node[2];
    StubBackend web1;
    StubBackend web2;
    StubBackend bad;
    Path keyFile;

    @BeforeEach
    void backends() throws IOException {
        byte[] key = new byte[32];
        ThreadLocalRandom.current().nextBytes(key);
        keyFile = lb.file("pair.key", HexFormat.of().formatHex(key) + "\n");
        web1 = lb.stub("web-1");
        web2 = lb.stub("web-2");
        bad = lb.stub("bad");
    }

    private void startPair() throws IOException {
        startPair(i -> nodes[i].config()
                .listener("web", "web")
                .listener("api", "api")
                .pool("web", p -> p.backend(web1))
                // every answer of this pool is a 500: two in a row eject its one backend for a minute
                .pool("api", p -> p.backend(bad).outlier("consecutive-5xx: 2, ejection-time: 1m, "
                        + "max-ejected-percent: 100")));
    }

    /** Starts lb-a (priority 150) and lb-b, paired with state-sync; {@code setUp} gives node i its listeners and pools. */
    private void startPair(java.util.function.IntConsumer setUp) throws IOException {
        for (int i = 0; i < 2; i++) {
            String node = i == 0 ? "lb-a" : "lb-b";
            int own = udp[i];
            int peer = udp[1 - i];
            nodes[i] = lb.node(node);
            setUp.accept(i);
            nodes[i].config()
                    .failover(f -> f.node(node).priority(node.equals("lb-a") ? 150 : 100)
                            .bind("127.0.0.1:" + own).peer("127.0.0.1:" + peer)
                            .advertInterval(Duration.ofMillis(50)).authKeyFile(keyFile).notify("/bin/true")
                            .set("state-sync", "true"));
        }
        nodes[0].start();
        nodes[1].start();
        awaitInSync();
    }

    private void awaitInSync() {
        Poll.until(Duration.ofSeconds(20), "both nodes in sync", () -> inSync(0) && inSync(1));
    }

    private boolean inSync(int i) {
        JsonNode sync = status(i).path("stateSync");
        return sync.path("inSync").asBoolean(false);
    }

    private JsonNode status(int i) {
        return json(nodes[i].admin().get("/status").body());
    }

    /** Backend {@code address} of {@code pool} as node {@code i} lists it, or null when it has none. */
    private JsonNode backend(int i, String pool, String address) {
        for (JsonNode b : json(nodes[i].admin().get("/api/v1/pools/" + pool + "/backends").body()).path("backends")) {
            if (b.path("address").asText().equals(address)) {
                return b;
            }
        }
        return null;
    }

    private String state(int i, String pool, String address) {
        JsonNode b = backend(i, pool, address);
        return b == null ? "absent" : b.path("state").asText();
    }

    private HttpResponse<String> call(int i, String method, String path, String body) {
        return nodes[i].admin().send(HttpRequest.newBuilder(nodes[i].admin().uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // The backup learns the master's check verdicts: a backend lb-a's checks (every 200 ms) find down is down
    // on lb-b at once, although lb-b's own checks look only once a minute and found it up at start.
    @Test
    void backupLearnsTheMastersCheckVerdicts() throws Exception {
        StubBackend checked = lb.stub("checked");
        startPair(i -> nodes[i].config()
                .listener("web", "web")
                .pool("web", p -> p.health(i == 0 ? "path: /, interval: 200ms, timeout: 200ms, rise: 1, fall: 1"
                        : "path: /, interval: 1m, timeout: 1s, rise: 1, fall: 1").backend(checked)));
        Poll.until(Duration.ofSeconds(20), "lb-a master, lb-b backup, the backend up on both",
                () -> "master".equals(status(0).path("failover").path("role").asText())
                        && "backup".equals(status(1).path("failover").path("role").asText())
                        && "up".equals(state(0, "web", checked.address()))
                        && "up".equals(state(1, "web", checked.address())));
        checked.close();
        Poll.until(Duration.ofSeconds(10), "the backend down on lb-a by its checks",
                () -> "down".equals(state(0, "web", checked.address())));
        Poll.until(Duration.ofSeconds(10), "the backend down on lb-b as lb-a's checks found",
                () -> "down".equals(state(1, "web", checked.address())));
        assertThat(nodes[1].output()).contains("pool web backend " + checked.address()
                + " up -> down: down as lb-a's checks found");
        // lb-b tells nothing back: lb-a's state came from its own checks only.
        assertThat(nodes[0].output()).doesNotContain("checks found");
    }

    // Drain, enable and weight made on either node show on the other; a backend added on lb-b takes
    // traffic on lb-a and is kept in lb-a's state file; removed on lb-a it leaves lb-b; under load
    // through lb-a not one request fails. An ejection lb-a's traffic causes is an ejection on lb-b.
    @Test
    void changesOnEitherNodeApplyOnBoth() throws Exception {
        startPair();
        String w1 = web1.address();
        assertThat(call(0, "POST", "/api/v1/pools/web/backends/" + w1 + "/drain", null).statusCode())
                .isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "web-1 draining on lb-b", () -> state(1, "web", w1).equals("draining"));
        assertThat(call(1, "POST", "/api/v1/pools/web/backends/" + w1 + "/enable", null).statusCode())
                .isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "web-1 up on lb-a", () -> state(0, "web", w1).equals("up"));
        assertThat(call(0, "POST", "/api/v1/pools/web/backends/" + w1 + "/weight?weight=5", null).statusCode())
                .isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "weight 5 on lb-b",
                () -> backend(1, "web", w1).path("weight").asInt() == 5);

        try (LoadLoop load = new LoadLoop(nodes[0].uri("web", "/"), 4, 200_000, Duration.ofMinutes(2))) {
            HttpResponse<String> added = call(1, "POST", "/api/v1/pools/web/backends",
                    "{\"address\": \"" + web2.address() + "\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            Poll.until(Duration.ofSeconds(10), "web-2 taking traffic through lb-a", () -> load.answeredBy("web-2") > 50);
            assertThat(backend(0, "web", web2.address()).path("origin").asText()).isEqualTo("api");
            assertThat(Files.readString(lb.dir().resolve("lb-a.state.json"))).contains(web2.address());

            HttpResponse<String> removed = call(0, "DELETE", "/api/v1/pools/web/backends/" + web2.address(), null);
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(202);
            Poll.until(Duration.ofSeconds(10), "web-2 gone from lb-b", () -> backend(1, "web", web2.address()) == null);
            Poll.until(Duration.ofSeconds(10), "web-2 gone from lb-a", () -> backend(0, "web", web2.address()) == null);
            long byWeb2 = load.answeredBy("web-2");
            long before = load.ok.get();
            Poll.until(Duration.ofSeconds(10), "200 more requests", () -> load.ok.get() > before + 200);
            load.stop();
            assertThat(load.failures).isEmpty();
            assertThat(load.answeredBy("web-2")).isEqualTo(byWeb2);
        }

        for (int k = 0; k < 2; k++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes[0].uri("api", "/status/500")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(500);
        }
        assertThat(state(0, "api", bad.address())).isEqualTo("ejected");
        Poll.until(Duration.ofSeconds(10), "bad ejected on lb-b", () -> state(1, "api", bad.address()).equals("ejected"));
        assertThat(backend(1, "api", bad.address()).path("ejectedForMillis").asLong()).isGreaterThan(50_000);
        awaitInSync();
    }

    // lb-b stopped (the link cut): changes made on lb-a meanwhile wait, and lb-a says it is not in
    // sync; lb-b started again (the link restored) is taught them and both say they are in sync.
    // The status page of lb-a says the same as its /status: why it is not in sync, then in sync again; and
    // the backend the API added shows its origin there.
    @Test
    void linkCutAndRestoredThenInSync() throws Exception {
        startPair();
        Browser browser = lb.closeAfter(Browser.start(lb.dir()));
        browser.navigate("http://127.0.0.1:" + nodes[0].adminPort() + "/?refresh=0.5");
        Poll.until(Duration.ofSeconds(20), "lb-a's status page in sync",
                () -> browser.text("#sync").equals("in sync"));
        nodes[1].process().close();
        Poll.until(Duration.ofSeconds(10), "lb-a not in sync", () -> !inSync(0));
        assertThat(call(0, "POST", "/api/v1/pools/web/backends/" + web1.address() + "/drain", null).statusCode())
                .isEqualTo(200);
        assertThat(call(0, "POST", "/api/v1/pools/web/backends", "{\"address\": \"" + web2.address()
                + "\", \"weight\": 3}").statusCode()).isEqualTo(201);
        JsonNode sync = status(0).path("stateSync");
        assertThat(sync.path("outbound").path("connected").asBoolean()).isFalse();
        assertThat(sync.path("detail").asText()).isEqualTo(
                "the link to the peer is down; changes wait and go when it is back");
        String row = "section.pool[data-pool='web'] tr[data-backend='%s'] .origin";
        Poll.until(Duration.ofSeconds(10), "lb-a's status page showing the link down and the added backend",
                () -> browser.text("#sync").equals("the link to the peer is down; changes wait and go when it is back")
                        && !browser.findAll(String.format(row, web2.address())).isEmpty());
        assertThat(browser.text(String.format(row, web2.address()))).isEqualTo("api");
        assertThat(browser.text(String.format(row, web1.address()))).isEqualTo("file");

        nodes[1].restart();
        awaitInSync();
        Poll.until(Duration.ofSeconds(10), "lb-a's status page in sync again",
                () -> browser.text("#sync").equals("in sync"));
        assertThat(state(1, "web", web1.address())).isEqualTo("draining");
        JsonNode added = backend(1, "web", web2.address());
        assertThat(added.path("origin").asText()).isEqualTo("api");
        assertThat(added.path("weight").asInt()).isEqualTo(3);
        assertThat(status(0).path("stateSync").path("outbound").path("teachesSent").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(status(1).path("stateSync").path("peerNode").asText()).isEqualTo("lb-a");
    }
}
