package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 to clients against the built jar: h2 by ALPN with curl, nghttp, h2load and a headless Chromium;
 * h2c by prior knowledge and by Upgrade; Netty's own HTTP/2 client multiplexing streams on one connection
 * across backends and resetting a stream mid-response; GOAWAY after a reload. The access log's
 * {@code $protocol} says which protocol each request came in.
 */
class Http2IT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static StubBackend held;
    static TestPki pki;
    static final String LOG = "enabled: true, template: '$request_id $protocol $status $backend $tls_protocol "
            + "[$user_agent]'";

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        held = lb.stub("held");
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        TestPki.Issued site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com", "127.0.0.1");
        lb.config()
                .listener("tls", "web", l -> l.set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: "
                        + site.key() + " } ] }").accessLog(LOG))
                .listener("h2c", "web", l -> l.set("protocols", "[h2, http/1.1]").accessLog(LOG)
                        .route("/hold", "held"))
                .listener("plain", "web", l -> l.accessLog(LOG))
                .pool("web", p -> p.backends(a, b))
                .pool("held", p -> p.backend(held));
        lb.start();
    }

    static String lineWith(String needle) {
        Poll.until(Duration.ofSeconds(10), "an access log line with " + needle, () -> lb.output().contains(needle));
        return Arrays.stream(lb.output().split("\n")).filter(l -> l.contains(needle)).findFirst().orElseThrow();
    }

    private static String curl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        argv.addAll(List.of(args));
        return Commands.run(lb.dir(), 20, argv);
    }

    private static double metric(String name, String... labels) {
        PrometheusText m = lb.admin().metrics();
        return m.has(name, labels) ? m.value(name, labels) : 0;
    }

    // curl --http2 over TLS negotiates h2 by ALPN; the request goes to a backend and the log says HTTP/2.0.
    @Test
    void curlNegotiatesH2ByAlpn() throws Exception {
        String out = curl("--http2", "--cacert", pki.ca().cert().toString(), "-H", "X-Request-Id: alpn-1",
                "-w", "\n%{http_version} %{http_code}", "https://127.0.0.1:" + lb.port("tls") + "/");
        assertThat(out).matches("(?s)hello from (a|b)\n2 200");
        assertThat(lineWith("alpn-1")).matches(".*alpn-1 HTTP/2\\.0 200 127\\.0\\.0\\.1:\\d+ TLSv1\\.3 \\[curl/.*\\]$");
    }

    // On an h2c listener: prior knowledge and Upgrade: h2c both speak HTTP/2, HTTP/1.1 still works; a plain
    // listener without h2 ignores the upgrade and answers in HTTP/1.1.
    @Test
    void h2cByPriorKnowledgeAndUpgrade() throws Exception {
        String url = "http://127.0.0.1:" + lb.port("h2c") + "/";
        assertThat(curl("--http2-prior-knowledge", "-H", "X-Request-Id: prior-1", "-o", "/dev/null", "-w",
                "%{http_version} %{http_code}", url)).isEqualTo("2 200");
        assertThat(curl("--http2", "-H", "X-Request-Id: upgrade-1", "-o", "/dev/null", "-w",
                "%{http_version} %{http_code}", url)).isEqualTo("2 200");
        assertThat(curl("--http1.1", "-H", "X-Request-Id: h1-1", "-o", "/dev/null", "-w",
                "%{http_version} %{http_code}", url)).isEqualTo("1.1 200");
        assertThat(curl("--http2", "-H", "X-Request-Id: plain-1", "-o", "/dev/null", "-w",
                "%{http_version} %{http_code}", "http://127.0.0.1:" + lb.port("plain") + "/")).isEqualTo("1.1 200");
        assertThat(lineWith("prior-1")).contains("prior-1 HTTP/2.0 200 ");
        assertThat(lineWith("upgrade-1")).contains("upgrade-1 HTTP/2.0 200 ");
        assertThat(lineWith("h1-1")).contains("h1-1 HTTP/1.1 200 ");
        assertThat(lineWith("plain-1")).contains("plain-1 HTTP/1.1 200 ");
    }

    // Twenty streams at once on one connection go round-robin: ten to each backend; one HTTP/2 connection counted.
    @Test
    void multiplexedStreamsSpreadAcrossBackends() throws Exception {
        double before = metric("tandem_http2_connections_total", "listener", "h2c", "protocol", "h2c");
        Map<String, Integer> byBackend = new TreeMap<>();
        try (NettyH2Client client = new NettyH2Client(lb.port("h2c"))) {
            List<NettyH2Client.Response> responses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                responses.add(client.get("app.test", "/mux/" + i, "x-request-id", "mux-" + i));
            }
            for (NettyH2Client.Response r : responses) {
                r.done.get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                byBackend.merge(r.header("x-backend"), 1, Integer::sum);
                assertThat(r.body()).isEqualTo("hello from " + r.header("x-backend"));
            }
        }
        assertThat(byBackend).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 10, "b", 10)));
        assertThat(metric("tandem_http2_connections_total", "listener", "h2c", "protocol", "h2c") - before)
                .isEqualTo(1.0);
        for (int i = 0; i < 20; i++) {
            assertThat(lineWith("mux-" + i + " ")).contains("mux-" + i + " HTTP/2.0 200 ");
        }
    }

    // :authority becomes Host, the cookie crumbs of a request arrive as one Cookie header, te: trailers does not
    // reach an HTTP/1.1 backend.
    @Test
    void authorityAndCookieCrumbs() throws Exception {
        try (NettyH2Client client = new NettyH2Client(lb.port("h2c"))) {
            NettyH2Client.Response r = client.get("shop.test:8443", "/crumbs", "cookie", "a=1", "cookie", "b=2",
                    "te", "trailers");
            r.done.get(10, TimeUnit.SECONDS);
            StubBackend backend = r.header("x-backend").equals("a") ? a : b;
            assertThat(r.status()).isEqualTo(200);
            assertThat(backend.lastHeaders.get("host")).isEqualTo("shop.test:8443");
            assertThat(backend.lastHeaders.get("cookie")).isEqualTo("a=1; b=2");
            assertThat(backend.lastHeaders).doesNotContainKey("te");
        }
    }

    // A client that resets its stream mid-response: logged 499, the backend connection closed (not pooled), and
    // the connection's next stream is served.
    @Test
    void clientResetMidResponse() throws Exception {
        try (NettyH2Client client = new NettyH2Client(lb.port("h2c"))) {
            NettyH2Client.Response r = client.get("app.test", "/hold?bytes=400000", "x-request-id", "reset-1");
            r.firstData.get(10, TimeUnit.SECONDS);
            r.stream.close().sync();
            assertThat(lineWith("reset-1 ")).contains("reset-1 HTTP/2.0 499 " + held.address());
            Poll.until(Duration.ofSeconds(10), "no request in flight on held", () ->
                    metric("tandem_backend_active_requests", "pool", "held", "backend", held.address()) == 0);
            held.releaseHeld();
            NettyH2Client.Response next = client.get("app.test", "/after-reset", "x-request-id", "reset-2");
            next.done.get(10, TimeUnit.SECONDS);
            assertThat(next.status()).isEqualTo(200);
            assertThat(client.isActive()).isTrue();
        }
    }

    // nghttp fetches over h2c; h2load's 200 requests on 2 connections x 10 streams all succeed.
    @Test
    void nghttpAndH2load() throws Exception {
        String url = "http://127.0.0.1:" + lb.port("h2c") + "/";
        assertThat(Commands.run(lb.dir(), 20, List.of("nghttp", "-H", "x-request-id: nghttp-1", url)))
                .matches("hello from (a|b)");
        assertThat(lineWith("nghttp-1")).contains("nghttp-1 HTTP/2.0 200 ");
        String load = Commands.run(lb.dir(), 60, List.of("h2load", "-n", "200", "-c", "2", "-m", "10",
                "https://127.0.0.1:" + lb.port("tls") + "/"));
        assertThat(load).contains("requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed");
        assertThat(load).contains("status codes: 200 2xx, 0 3xx, 0 4xx, 0 5xx");
        assertThat(load).contains("Application protocol: h2");
    }

    // A headless Chromium loads a page over h2 through Tandem: the access log says HTTP/2.0 for its request.
    @Test
    void chromiumLoadsOverH2() throws Exception {
        Path profile = Files.createTempDirectory(lb.dir(), "chromium-");
        String dom = Commands.run(lb.dir(), 60, List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--ignore-certificate-errors", "--user-data-dir=" + profile, "--dump-dom",
                "https://127.0.0.1:" + lb.port("tls") + "/chromium-page"));
        assertThat(dom).containsPattern("hello from (a|b)");
        String line = Arrays.stream(lb.output().split("\n")).filter(l -> l.contains("HeadlessChrome"))
                .findFirst().orElseThrow(() -> new AssertionError("no log line of Chromium:\n" + lb.output()));
        assertThat(line).matches(".* HTTP/2\\.0 200 127\\.0\\.0\\.1:\\d+ TLSv1\\.3 \\[Mozilla/.*HeadlessChrome.*\\]$");
    }

    // After a reload, a connection's next stream is answered and followed by GOAWAY NO_ERROR; a new connection
    // works.
    @Test
    void goAwayAfterReload() throws Exception {
        try (NettyH2Client client = new NettyH2Client(lb.port("h2c"))) {
            NettyH2Client.Response first = client.get("app.test", "/before-reload");
            assertThat(first.done.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(lb.admin().post("/api/v1/reload", null, null).statusCode()).isEqualTo(200);
            NettyH2Client.Response second = client.get("app.test", "/after-reload");
            assertThat(second.done.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.goAway.get(10, TimeUnit.SECONDS).errorCode()).isEqualTo(0L);
            Poll.until(Duration.ofSeconds(10), "the connection closed after GOAWAY", () -> !client.isActive());
        }
        try (NettyH2Client fresh = new NettyH2Client(lb.port("h2c"))) {
            assertThat(fresh.get("app.test", "/fresh").done.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }
}
