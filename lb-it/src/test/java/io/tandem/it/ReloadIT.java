package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Hot reload of the real daemon under load: no request lost, old config kept when the new one is bad. */
class ReloadIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The pool's backends become {@code backends}; the file is written beside and renamed over, as editors do. */
    private void writeConfig(StubBackend... backends) throws Exception {
        lb.config().pool("web").clearBackends().backends(backends);
        lb.writeConfig();
    }

    private void startTandem(StubBackend... backends) throws Exception {
        lb.config().listener("web", "web").pool("web", p -> p.backends(backends));
        lb.start();
    }

    private HttpResponse<String> reload() {
        return lb.reload();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.uri("web", path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String metrics() {
        return lb.admin().get("/metrics").body();
    }

    // 50 reloads that alternately add and remove a backend, under steady load:
    // zero failed requests, and the added backend gets traffic after each reload that adds it.
    @Test
    void fiftyReloadsUnderLoadLoseNothing() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        StubBackend c = lb.stub("c");
        startTandem(a, b);
        try (LoadLoop load = new LoadLoop(lb.uri("web", "/"), 4, 200_000,
                Duration.ofMinutes(3))) {
            for (int i = 0; i < 50; i++) {
                boolean add = i % 2 == 0;
                if (add) {
                    writeConfig(a, b, c);
                } else {
                    writeConfig(a, b);
                }
                HttpResponse<String> r = reload();
                assertThat(r.statusCode()).as("reload %d: %s", i, r.body()).isEqualTo(200);
                assertThat(r.body()).contains("\"applied\" : true");
                if (add) {
                    long before = load.answeredBy("c");
                    Poll.until(Duration.ofSeconds(10), "backend c to get traffic after reload " + i,
                            () -> load.answeredBy("c") > before);
                }
            }
            load.stop();
            assertThat(load.failures).isEmpty();
            assertThat(load.ok.get()).isGreaterThan(100);
            assertThat(load.answeredBy("a")).isPositive();
            assertThat(load.answeredBy("b")).isPositive();
        }
        assertThat(metrics()).contains("tandem_config_reloads_total{result=\"ok\"} 50.0");
    }

    // A reload with an invalid file: the old config keeps serving, the API answers
    // the problems with their positions, and the error is counted.
    @Test
    void invalidReloadKeepsOldConfig() throws Exception {
        StubBackend a = lb.stub("a");
        startTandem(a);
        Path config = lb.configFile();
        lb.writeConfig(lb.config().render().replace("pool: web", "pool: nosuch") + "bogus: 1\n");
        HttpResponse<String> r = reload();
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"applied\" : false")
                .contains(config + ":2:")
                .contains("listeners[0].pool: no pool named 'nosuch'")
                .contains(config + ":8:1: bogus: unknown key");
        HttpResponse<String> served = get("/");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("X-Backend")).contains("a");
        assertThat(metrics()).contains("tandem_config_reloads_total{result=\"error\"} 1.0")
                .contains("tandem_config_reloads_total{result=\"ok\"} 0.0");
    }

    // A long download started before a reload that removes its backend completes
    // byte for byte; new requests go to the backend that stays.
    @Test
    void downloadSurvivesRemovalOfItsBackend() throws Exception {
        StubBackend leaving = lb.stub("leaving");
        StubBackend staying = lb.stub("staying");
        startTandem(leaving);
        long size = 8L << 20;
        var download = Downloads.start(lb.uri("web", "/hold?bytes=" + size));
        assertThat(leaving.holding.await(30, TimeUnit.SECONDS)).isTrue();

        writeConfig(staying);
        HttpResponse<String> r = reload();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("-backend web/" + leaving.address()).contains("+backend web/" + staying.address());
        HttpResponse<String> next = get("/");
        assertThat(next.headers().firstValue("X-Backend")).contains("staying");

        leaving.releaseHeld();
        Downloads.Result result = download.get(60, TimeUnit.SECONDS);
        assertThat(result).isEqualTo(new Downloads.Result(200, size, 0, "leaving"));
    }

    // A reload that adds a listener opens it; one that removes it stops accepting on it.
    @Test
    void listenersOpenAndCloseOnReload() throws Exception {
        StubBackend a = lb.stub("a");
        startTandem(a);
        lb.config().listener("extra", "web");
        int second = lb.port("extra");
        lb.writeConfig();
        assertThat(reload().body()).contains("+listener extra");
        HttpResponse<String> viaSecond = client.send(HttpRequest.newBuilder(lb.uri("extra", "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(viaSecond.headers().firstValue("X-Backend")).contains("a");

        lb.config().removeListener("extra");
        lb.writeConfig();
        assertThat(reload().body()).contains("-listener extra");
        Poll.until(Duration.ofSeconds(10), "listener extra to stop accepting", () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", second)) {
                return false;
            } catch (java.io.IOException e) {
                return true;
            }
        });
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    // With --watch, saving the file is enough: the new backend takes traffic.
    @Test
    void watchReloadsWhenTheFileChanges() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        lb.config().listener("web", "web").pool("web", p -> p.backend(a));
        TandemProcess t = lb.node().launch(List.of(), "--watch");
        lb.node().awaitHealthy();
        assertThat(get("/").headers().firstValue("X-Backend")).contains("a");
        writeConfig(b);
        Poll.until(Duration.ofSeconds(15), "requests to reach b after the file changed", () -> {
            try {
                return get("/").headers().firstValue("X-Backend").orElse("").equals("b");
            } catch (Exception e) {
                return false;
            }
        });
        // The reload's summary is logged after the swap that sent requests to b: wait for it, with a deadline.
        Poll.until(Duration.ofSeconds(10), "the reload's summary in the log",
                () -> t.output().contains("-backend web/" + a.address()));
        assertThat(t.output()).contains("changed: reloading");
    }
}
