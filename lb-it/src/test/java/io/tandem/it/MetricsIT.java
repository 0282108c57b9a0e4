package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scrapes /metrics of the real daemon after traffic this test sent and
 * knows exactly, and reads the Prometheus text format back.
 */
class MetricsIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static String dead1;
    static String dead2;
    static AdminClient admin;
    static int web;
    static int raw;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        // Free ports nobody listens on: connecting is refused at once.
        dead1 = TandemFixture.unusedAddress();
        dead2 = TandemFixture.unusedAddress();
        lb.config()
                .listener("web", "web", l -> l.route("/flaky/", "flaky"))
                .listener("raw", "web")
                .pool("web", p -> p.backends(a, b))
                .pool("flaky", p -> p.retries(1).backend(dead1).backend(dead2));
        lb.start();
        admin = lb.admin();
        web = lb.port("web");
        raw = lb.port("raw");
    }

    private static int get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.uri("web", path)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    // Four 200s, two 503s from the backends, one 502 after a retry and one 400 show up as exact counters.
    @Test
    void requestsRetriesAndLocalAnswersAreCountedExactly() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(get("/")).isEqualTo(200);
        }
        assertThat(get("/status/503")).isEqualTo(503);
        assertThat(get("/status/503")).isEqualTo(503);
        assertThat(get("/flaky/x")).isEqualTo(502);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), web)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(readAll(s.getInputStream()), StandardCharsets.US_ASCII))
                    .startsWith("HTTP/1.1 400 ");
        }

        PrometheusText m = admin.metrics();
        assertThat(m.types).containsEntry("tandem_requests_total", "counter")
                .containsEntry("tandem_request_duration_seconds", "histogram")
                .containsEntry("tandem_retries_total", "counter")
                .containsEntry("tandem_backend_up", "gauge");
        String[] webA = {"listener", "web", "pool", "web", "backend", a.address()};
        String[] webB = {"listener", "web", "pool", "web", "backend", b.address()};
        // Round-robin over two backends: each took two of the four 200s and one of the two 503s.
        assertThat(m.value("tandem_requests_total", with(webA, "code", "200"))).isEqualTo(2.0);
        assertThat(m.value("tandem_requests_total", with(webB, "code", "200"))).isEqualTo(2.0);
        assertThat(m.value("tandem_requests_total", with(webA, "code", "503"))).isEqualTo(1.0);
        assertThat(m.value("tandem_requests_total", with(webB, "code", "503"))).isEqualTo(1.0);
        assertThat(m.value("tandem_request_duration_seconds_count", webA)).isEqualTo(3.0);
        assertThat(m.value("tandem_request_duration_seconds_bucket", with(webA, "le", "+Inf"))).isEqualTo(3.0);
        assertThat(m.value("tandem_request_duration_seconds_bucket", with(webA, "le", "10.0"))).isEqualTo(3.0);
        assertThat(m.has("tandem_request_duration_seconds_bucket", with(webA, "le", "0.001"))).isTrue();
        // The malformed request was answered before any pool was chosen.
        assertThat(m.value("tandem_requests_total", "listener", "web", "pool", "", "backend", "", "code", "400"))
                .isEqualTo(1.0);
        // The 502 is Tandem's own answer: no backend label, one retry after the first refused connect.
        assertThat(m.value("tandem_requests_total", "listener", "web", "pool", "flaky", "backend", "", "code", "502"))
                .isEqualTo(1.0);
        assertThat(m.value("tandem_retries_total", "pool", "flaky", "cause", "connect-failure")).isEqualTo(1.0);
        assertThat(m.value("tandem_retries_total", "pool", "flaky", "cause", "reset")).isEqualTo(0.0);
        assertThat(m.value("tandem_retries_total", "pool", "web", "cause", "connect-failure")).isEqualTo(0.0);
        assertThat(m.value("tandem_backend_failures_total", "pool", "flaky", "backend", dead1)).isEqualTo(1.0);
        assertThat(m.value("tandem_backend_failures_total", "pool", "flaky", "backend", dead2)).isEqualTo(1.0);
        assertThat(m.value("tandem_backend_failures_total", "pool", "web", "backend", a.address())).isEqualTo(0.0);
        // Nothing is in flight once every response has ended; every backend is up.
        assertThat(m.value("tandem_backend_active_requests", "pool", "web", "backend", a.address())).isEqualTo(0.0);
        assertThat(m.value("tandem_backend_up", "pool", "flaky", "backend", dead1)).isEqualTo(1.0);
        assertThat(m.value("tandem_backend_connections", "pool", "flaky", "backend", dead1)).isEqualTo(0.0);
        assertThat(m.value("tandem_config_reloads_total", "result", "ok")).isEqualTo(0.0);
        assertThat(m.value("tandem_config_reloads_total", "result", "error")).isEqualTo(0.0);
    }

    // Bytes in and out of a listener are the exact bytes of the one request and response on it.
    @Test
    void bytesAndClientConnectionsOfAListenerAreExact() throws Exception {
        byte[] request = "GET /bytes HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] response;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), raw)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            response = readAll(s.getInputStream());
        }
        assertThat(new String(response, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 OK");
        Poll.until(Duration.ofSeconds(10), "the closed connection to leave the gauge",
                () -> admin.metrics().value("tandem_client_connections", "listener", "raw") == 0.0);
        PrometheusText m = admin.metrics();
        assertThat(m.value("tandem_received_bytes_total", "listener", "raw")).isEqualTo(request.length);
        assertThat(m.value("tandem_sent_bytes_total", "listener", "raw")).isEqualTo(response.length);

        try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), raw)) {
            Poll.until(Duration.ofSeconds(10), "one open client connection on raw",
                    () -> admin.metrics().value("tandem_client_connections", "listener", "raw") == 1.0);
        }
        Poll.until(Duration.ofSeconds(10), "no open client connection on raw",
                () -> admin.metrics().value("tandem_client_connections", "listener", "raw") == 0.0);
    }

    // tandem_build_info names this build, JDK and transport; the config loaded at start counts as a success.
    @Test
    void buildInfoAndConfigLoadState() throws Exception {
        PrometheusText m = admin.metrics();
        assertThat(m.types).containsEntry("tandem_build_info", "gauge");
        PrometheusText.Sample info = m.samples.stream().filter(s -> s.name().equals("tandem_build_info"))
                .findFirst().orElseThrow();
        assertThat(info.value()).isEqualTo(1.0);
        assertThat(info.labels()).containsOnlyKeys("version", "commit", "jdk", "transport");
        // The jar's own `version` says the same.
        String version = lb.runToEnd(java.util.Map.of(), "version").output();
        assertThat(version).isEqualTo("tandem " + info.labels().get("version") + "\n"
                + "commit:    " + info.labels().get("commit") + "\n"
                + version.lines().filter(l -> l.startsWith("built:")).findFirst().orElseThrow() + "\n"
                + "jdk:       " + info.labels().get("jdk") + "\n"
                + "transport: " + info.labels().get("transport") + "\n");
        assertThat(m.value("tandem_config_last_reload_success")).isEqualTo(1.0);
        double loadedAt = java.time.Instant.parse(admin.status().path("configLoadedAt").asText()).toEpochMilli()
                / 1000.0;
        assertThat(m.value("tandem_config_last_reload_success_timestamp_seconds")).isEqualTo(loadedAt);
    }

    // A scraper that asks for OpenMetrics (as Prometheus does) gets it; any other gets the 0.0.4 text format.
    @Test
    void openMetricsWhenTheScraperAsksForIt() throws Exception {
        String prometheusAccept = "application/openmetrics-text;version=1.0.0;q=0.5,"
                + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        HttpResponse<String> open = client.send(HttpRequest.newBuilder(admin.uri("/metrics"))
                .header("Accept", prometheusAccept).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("content-type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(open.body()).endsWith("\n# EOF\n")
                .contains("\n# TYPE tandem_requests counter\n", "\n# TYPE tandem_build info\n",
                        "\n# TYPE tandem_received_bytes counter\n")
                .containsPattern("\ntandem_received_bytes_total\\{listener=\"web\"\\} \\d");

        for (String accept : new String[] {null, "text/plain", "*/*"}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(admin.uri("/metrics"));
            if (accept != null) {
                request.header("Accept", accept);
            }
            HttpResponse<String> text = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(text.headers().firstValue("content-type")).as("Accept: %s", accept)
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(text.body()).doesNotContain("# EOF")
                    .contains("\n# TYPE tandem_requests_total counter\n", "\n# TYPE tandem_build_info gauge\n");
        }
    }

    // Every exported name follows Prometheus's conventions: base units as suffixes, counters ending in _total.
    @Test
    void namesFollowPrometheusConventions() {
        PrometheusText m = admin.metrics();
        assertThat(m.types).containsKeys("tandem_received_bytes_total", "tandem_sent_bytes_total",
                "process_cpu_seconds_total");
        java.util.regex.Pattern nonBaseUnit = java.util.regex.Pattern.compile(
                "_(ns|us|ms|nanoseconds|microseconds|milliseconds|minutes|hours|kb|kib|mb|mib|kilobytes|megabytes)(_|$)");
        // A unit is the last word of a name, before the suffixes Prometheus adds.
        java.util.regex.Pattern unitInTheMiddle = java.util.regex.Pattern.compile(
                "_(bytes|seconds)_(?!total$|max$|count$|sum$|bucket$)");
        m.types.forEach((name, type) -> {
            assertThat(name).as("a name of a unit other than seconds or bytes").doesNotContainPattern(nonBaseUnit);
            if (name.startsWith("tandem_")) {
                assertThat(name).as("the unit of %s before the end", name)
                        .doesNotContainPattern(unitInTheMiddle);
            }
            if (type.equals("counter")) {
                assertThat(name).as("a counter").endsWith("_total");
            }
        });
    }

    // JVM memory and Netty direct memory are exported next to Tandem's own meters.
    @Test
    void jvmAndNettyMemoryAreExported() {
        PrometheusText m = admin.metrics();
        assertThat(m.samples).anyMatch(s -> s.name().equals("jvm_memory_used_bytes")
                && "heap".equals(s.labels().get("area")) && s.value() > 0);
        assertThat(m.types).containsKeys("netty_direct_memory_used_bytes", "netty_pooled_direct_memory_bytes",
                "process_files_open_files");
    }

    // With the benchmarking switch off, requests still flow and no per-request meter is made.
    @Test
    void requestMetricsSwitchOffLeavesOutPerRequestMeters() throws Exception {
        TandemFixture.Node off = lb.node("off");
        off.config().listener("web", "web").pool("web", p -> p.backend(a));
        try (TandemProcess t = off.start("-Dtandem.metrics.requests=false")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(off.uri("web", "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("hello from a");
            PrometheusText m = off.admin().metrics();
            assertThat(m.samples).noneMatch(s -> s.name().startsWith("tandem_requests_total")
                    || s.name().startsWith("tandem_request_duration_seconds"));
            assertThat(m.value("tandem_received_bytes_total", "listener", "web")).isEqualTo(0.0);
            assertThat(m.value("tandem_backend_up", "pool", "web", "backend", a.address())).isEqualTo(1.0);
            assertThat(t.output()).contains("per-request metrics are off");
        }
    }

    private static String[] with(String[] labels, String key, String value) {
        String[] all = java.util.Arrays.copyOf(labels, labels.length + 2);
        all[labels.length] = key;
        all[labels.length + 1] = value;
        return all;
    }

    private static byte[] readAll(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
