package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload of the real daemon under load: no request lost, old config kept when the new one is bad. */
class ReloadIT {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> toClose = new java.util.ArrayList<>();
    private int port;
    private int admin;
    private Path config;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private StubBackend stub(String name) throws Exception {
        StubBackend s = new StubBackend(name);
        toClose.add(s);
        return s;
    }

    private void writeConfig(StubBackend... backends) throws Exception {
        StringBuilder yaml = new StringBuilder()
                .append("listeners:\n  - { name: web, bind: 127.0.0.1:").append(port).append(", pool: web }\n")
                .append("admin: { bind: 127.0.0.1:").append(admin).append(" }\n")
                .append("pools:\n  web:\n    backends:\n");
        for (StubBackend b : backends) {
            yaml.append("      - { address: ").append(b.address()).append(" }\n");
        }
        // Written beside and renamed over, as editors and config tools do.
        Path tmp = dir.resolve("tandem.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private TandemProcess startTandem(StubBackend... backends) throws Exception {
        port = Ports.free();
        admin = Ports.free();
        config = dir.resolve("tandem.yaml");
        writeConfig(backends);
        TandemProcess t = TandemProcess.run(dir, config, admin);
        toClose.add(t);
        return t;
    }

    private HttpResponse<String> reload() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // 50 reloads that alternately add and remove a backend, under steady load:
    // zero failed requests, and the added backend gets traffic after each reload that adds it.
    @Test
    void fiftyReloadsUnderLoadLoseNothing() throws Exception {
        StubBackend a = stub("a");
        StubBackend b = stub("b");
        StubBackend c = stub("c");
        startTandem(a, b);
        try (LoadLoop load = new LoadLoop(URI.create("http://127.0.0.1:" + port + "/"), 4, 200_000,
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
        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tandem_config_reloads_total{result=\"ok\"} 50.0");
    }

    // A reload with an invalid file: the old config keeps serving, the API answers
    // the problems with their positions, and the error is counted.
    @Test
    void invalidReloadKeepsOldConfig() throws Exception {
        StubBackend a = stub("a");
        startTandem(a);
        Files.writeString(config, Files.readString(config).replace("pool: web", "pool: nosuch")
                + "bogus: 1\n");
        HttpResponse<String> r = reload();
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"applied\" : false")
                .contains(config + ":2:")
                .contains("listeners[0].pool: no pool named 'nosuch'")
                .contains(config + ":8:1: bogus: unknown key");
        HttpResponse<String> served = get("/");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("X-Backend")).contains("a");
        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tandem_config_reloads_total{result=\"error\"} 1.0")
                .contains("tandem_config_reloads_total{result=\"ok\"} 0.0");
    }

    // A long download started before a reload that removes its backend completes
    // byte for byte; new requests go to the backend that stays.
    @Test
    void downloadSurvivesRemovalOfItsBackend() throws Exception {
        StubBackend leaving = stub("leaving");
        StubBackend staying = stub("staying");
        startTandem(leaving);
        long size = 8L << 20;
        var download = Downloads.start(URI.create("http://127.0.0.1:" + port + "/hold?bytes=" + size));
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
        StubBackend a = stub("a");
        startTandem(a);
        int second = Ports.free();
        String base = Files.readString(config);
        Files.writeString(config, base.replace("pool: web }\n",
                "pool: web }\n  - { name: extra, bind: 127.0.0.1:" + second + ", pool: web }\n"));
        assertThat(reload().body()).contains("+listener extra");
        HttpResponse<String> viaSecond = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + second + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaSecond.headers().firstValue("X-Backend")).contains("a");

        Files.writeString(config, base);
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
        StubBackend a = stub("a");
        StubBackend b = stub("b");
        port = Ports.free();
        admin = Ports.free();
        config = dir.resolve("tandem.yaml");
        writeConfig(a);
        TandemProcess t = TandemProcess.start(dir, "run", "-c", config.toString(), "--watch");
        toClose.add(t);
        t.awaitHealthy(admin);
        assertThat(get("/").headers().firstValue("X-Backend")).contains("a");
        writeConfig(b);
        Poll.until(Duration.ofSeconds(15), "requests to reach b after the file changed", () -> {
            try {
                return get("/").headers().firstValue("X-Backend").orElse("").equals("b");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(t.output()).contains("changed: reloading").contains("-backend web/" + a.address());
    }
}
