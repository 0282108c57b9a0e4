package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at GET / of the admin port, loaded in headless Chromium
 * through the real daemon: the rows and states it shows, the rates it
 * computes, and a drain and enable clicked on the page, with the token.
 */
class StatusPageIT {

    static final String TOKEN = "page-token";

    @TempDir
    static Path dir;

    static StubBackend a;
    static StubBackend b;
    static StubBackend c;
    static TandemProcess tandem;
    static AdminClient admin;
    static Browser browser;
    static int port;
    static int adminPort;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = new StubBackend("a");
        b = new StubBackend("b");
        c = new StubBackend("c");
        port = Ports.free();
        adminPort = Ports.free();
        Path token = dir.resolve("admin.token");
        Files.writeString(token, TOKEN);
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, String.join("\n",
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:" + port,
                "    pool: web",
                "    routes: [ { path-prefix: /api/, pool: api }, { path-prefix: /status/, pool: api } ]",
                "admin: { bind: 127.0.0.1:" + adminPort + ", token-file: " + token + " }",
                "pools:",
                "  web:",
                "    backends: [ { address: " + a.address() + ", weight: 5 }, { address: " + b.address() + " } ]",
                "  api:",
                "    backends: [ { address: " + c.address() + " } ]",
                ""));
        tandem = TandemProcess.run(dir, config, adminPort);
        admin = new AdminClient(adminPort);
        browser = Browser.start(dir);
        browser.navigate("http://127.0.0.1:" + adminPort + "/?refresh=0.5");
        Poll.until(Duration.ofSeconds(20), "the status page to render /status",
                () -> "true".equals(browser.attribute("body", "data-loaded")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (tandem != null) {
            tandem.close();
        }
        a.close();
        b.close();
        c.close();
    }

    static String row(String pool, String address) {
        return "section.pool[data-pool='" + pool + "'] tr[data-backend='" + address + "']";
    }

    static String answer(String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("X-Backend").orElse("status " + r.statusCode());
    }

    // Each pool is a table with one row per backend, its state, weight and in-flight count; the node is standalone.
    @Test
    void showsEveryPoolAndBackendWithItsState() {
        assertThat(browser.findAll("section.pool")).hasSize(2);
        assertThat(browser.findAll("section.pool[data-pool='web'] tr.backend")).hasSize(2);
        assertThat(browser.findAll("section.pool[data-pool='api'] tr.backend")).hasSize(1);
        assertThat(browser.text(row("web", a.address()) + " td.state")).isEqualTo("up");
        assertThat(browser.attribute(row("web", a.address()), "class")).contains("state-up");
        assertThat(browser.text(row("web", a.address()) + " td.weight")).isEqualTo("5");
        assertThat(browser.text(row("web", b.address()) + " td.state")).isEqualTo("up");
        assertThat(browser.text(row("web", b.address()) + " td.inflight")).isEqualTo("0");
        assertThat(browser.text(row("api", c.address()) + " td.state")).isEqualTo("up");
        assertThat(browser.text(row("api", c.address()) + " td.check")).isEqualTo("–");
        assertThat(browser.text("#role")).isEqualToIgnoringCase("standalone");
        assertThat(browser.text("#peer")).isEqualTo("none");
        assertThat(browser.text("tr[data-listener='web']")).contains("web", "127.0.0.1:" + port);
    }

    // Requests sent through the proxy show up as a request rate on the backend's row.
    @Test
    void showsTheRequestRateOfABackend() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        Poll.until(Duration.ofSeconds(30), "a request rate on the api backend's row", () -> {
            try {
                if (sent.incrementAndGet() > 1000) {
                    throw new AssertionError("no rate shown after 1000 requests");
                }
                assertThat(answer("/api/x")).isEqualTo("c");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            String rps = browser.text(row("api", c.address()) + " td.rps");
            return rps != null && !rps.equals("–") && Double.parseDouble(rps) > 0;
        });
    }

    // Answers of 500 from a backend show up as its error rate.
    @Test
    void showsTheErrorRateOfABackend() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        Poll.until(Duration.ofSeconds(30), "an error rate on the api backend's row", () -> {
            try {
                if (sent.incrementAndGet() > 1000) {
                    throw new AssertionError("no error rate shown after 1000 requests");
                }
                assertThat(answer("/status/500")).isEqualTo("c");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            String errors = browser.text(row("api", c.address()) + " td.errors");
            return errors != null && errors.endsWith(" %") && Double.parseDouble(errors.replace(" %", "")) > 0;
        });
    }

    // Drain clicked on the page without the token is refused; with it the row turns draining and traffic avoids it.
    @Test
    void drainAndEnableClickedOnThePage() throws Exception {
        browser.click(row("web", a.address()) + " button.drain");
        Poll.until(Duration.ofSeconds(10), "the page to show the 401",
                () -> browser.text("#banner") != null && browser.text("#banner").contains("401"));
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("up");

        browser.type("#token", TOKEN);
        browser.click(row("web", a.address()) + " button.drain");
        Poll.until(Duration.ofSeconds(10), "the row of a to show draining",
                () -> "draining".equals(browser.text(row("web", a.address()) + " td.state")));
        assertThat(browser.attribute(row("web", a.address()), "class")).contains("state-draining");
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("draining");
        for (int i = 0; i < 4; i++) {
            assertThat(answer("/")).isEqualTo("b");
        }

        browser.click(row("web", a.address()) + " button.enable");
        Poll.until(Duration.ofSeconds(10), "the row of a to show up again",
                () -> "up".equals(browser.text(row("web", a.address()) + " td.state")));
        assertThat(admin.backend("web", a.address()).path("state").asText()).isEqualTo("up");
        assertThat(browser.text("#banner")).isEmpty();
    }
}
