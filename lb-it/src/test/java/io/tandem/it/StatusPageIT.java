package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The status page at GET / of the admin port, loaded in headless Chromium
 * through the real daemon: the rows and states it shows, the rates it
 * computes, and a drain and enable clicked on the page, with the token.
 */
class StatusPageIT {

    static final String TOKEN = "page-token";

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static StubBackend c;
    static AdminClient admin;
    static Browser browser;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        c = lb.stub("c");
        lb.config()
                .listener("web", "web", l -> l.route("/api/", "api").route("/status/", "api"))
                .admin("token-file", lb.file("admin.token", TOKEN))
                .pool("web", p -> p.backend(a, "weight: 5").backend(b))
                .pool("api", p -> p.backend(c));
        lb.start();
        admin = lb.admin();
        browser = lb.closeAfter(Browser.start(lb.dir()));
        browser.navigate("http://127.0.0.1:" + lb.node().adminPort() + "/?refresh=0.5");
        Poll.until(Duration.ofSeconds(20), "the status page to render /status",
                () -> "true".equals(browser.attribute("body", "data-loaded")));
    }

    static String row(String pool, String address) {
        return "section.pool[data-pool='" + pool + "'] tr[data-backend='" + address + "']";
    }

    static String answer(String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.uri("web", path)).build(),
                HttpResponse.BodyHandlers.ofString());
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
        assertThat(browser.text(row("web", a.address()) + " .origin")).isEqualTo("file");
        // No state sync on a standalone node: its line stays hidden.
        assertThat(browser.attribute("#sync-meta", "hidden")).isEqualTo("true");
        assertThat(browser.text("tr[data-listener='web']")).contains("web", "127.0.0.1:" + lb.port("web"));
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
