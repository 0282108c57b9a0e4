package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared tier: two Tandem processes with one real memcached (started by
 * the test) as their caches' second tier. An object one node stored is a hit
 * on the other without the origin; a PURGE on one node and a ban on the other
 * are seen by both; memcached stopped costs hits only.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedCacheIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static CacheOrigin origin;
    static ServerProcess memcached;
    static int memcachedPort;
    static TandemFixture.Node a;
    static TandemFixture.Node b;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        memcachedPort = Ports.free();
        List<String> cmd = new ArrayList<>(List.of("memcached", "-l", "127.0.0.1", "-p",
                Integer.toString(memcachedPort), "-U", "0", "-m", "64"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // memcached refuses to run as root unless told so (CI runs as root)
        }
        memcached = lb.closeAfter(ServerProcess.start(lb.dir(), "memcached", memcachedPort, Duration.ofSeconds(20),
                cmd));
        origin = new CacheOrigin();
        a = lb.node("a");
        b = lb.node("b");
        for (TandemFixture.Node n : List.of(a, b)) {
            n.config().raw("caches: { pages: { shared: { memcached: [127.0.0.1:" + memcachedPort + "] } } }")
                    .listener("front", "origin", l -> l.set("cache", "pages"))
                    .pool("origin", p -> p.backend(origin));
            n.start();
        }
    }

    static HttpResponse<String> send(TandemFixture.Node node, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port("front") + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String xCache(TandemFixture.Node node, String path) throws Exception {
        return send(node, "GET", path).headers().firstValue("x-cache").orElse(null);
    }

    /** Whether memcached holds the item of {@code path} (as the nodes name it), asked over its text protocol. */
    static boolean inMemcached(String path) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(("127.0.0.1" + path)
                .getBytes(StandardCharsets.UTF_8));
        String key = "tandem:pages:" + HexFormat.of().formatHex(digest);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), memcachedPort)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("mg " + key + " v\r\n").getBytes(StandardCharsets.US_ASCII));
            return readLine(s.getInputStream()).startsWith("VA ");
        }
    }

    static void awaitInMemcached(String path) {
        Poll.until(Duration.ofSeconds(10), "the page " + path + " in memcached", () -> {
            try {
                return inMemcached(path);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }

    // What node a fetched and stored is a hit on node b, and the origin saw one request.
    @Test
    @Order(1)
    void theOtherNodeHitsWhatOneStored() throws Exception {
        origin.on("/s", CacheOrigin.Answer.ok("shared page", "Cache-Control", "max-age=60"));
        assertThat(xCache(a, "/s")).isEqualTo("MISS");
        awaitInMemcached("/s");
        HttpResponse<String> onB = send(b, "GET", "/s");
        assertThat(onB.body()).isEqualTo("shared page");
        assertThat(onB.headers().firstValue("x-cache")).contains("HIT");
        assertThat(xCache(b, "/s")).isEqualTo("HIT");
        assertThat(origin.count("/s")).isEqualTo(1);
    }

    // A PURGE on node a empties both nodes and memcached; a tag ban on node b reaches node a.
    @Test
    @Order(2)
    void purgesAndBansAreSeenByBothNodes() throws Exception {
        origin.on("/p", CacheOrigin.Answer.ok("purged page", "Cache-Control", "max-age=60", "xkey", "news"));
        origin.on("/t", CacheOrigin.Answer.ok("tagged page", "Cache-Control", "max-age=60", "xkey", "news"));
        for (String path : List.of("/p", "/t")) {
            assertThat(xCache(a, path)).isEqualTo("MISS");
            assertThat(xCache(a, path)).isEqualTo("HIT");
            awaitInMemcached(path); // node a writes the shared tier after answering
            assertThat(xCache(b, path)).isEqualTo("HIT");
        }
        assertThat(send(a, "PURGE", "/p").statusCode()).isEqualTo(200);
        // The delete is sent before the 200 but not waited for (docs/caching.md: writes to memcached are not
        // waited for); a CI run once read the item in the moment between.
        Poll.until(Duration.ofSeconds(10), "memcached to drop /p", () -> {
            try {
                return !inMemcached("/p");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Poll.until(Duration.ofSeconds(10), "node b to drop /p", () -> {
            try {
                return "MISS".equals(xCache(b, "/p"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(origin.count("/p")).isEqualTo(2);
        assertThat(b.admin().post("/api/v1/caches/pages/ban", null, "tag=news").statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "node a to drop /t", () -> {
            try {
                return "MISS".equals(xCache(a, "/t"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(origin.count("/t")).isEqualTo(2);
    }

    // With memcached stopped, both nodes still answer, each from its own store.
    @Test
    @Order(3)
    void memcachedDownCostsOnlyHits() throws Exception {
        memcached.stop();
        origin.on("/d", CacheOrigin.Answer.ok("still cached", "Cache-Control", "max-age=60"));
        HttpResponse<String> miss = send(a, "GET", "/d");
        assertThat(miss.statusCode()).isEqualTo(200);
        assertThat(miss.headers().firstValue("x-cache")).contains("MISS");
        assertThat(xCache(a, "/d")).isEqualTo("HIT");
        assertThat(xCache(b, "/d")).isEqualTo("MISS");
        assertThat(xCache(b, "/d")).isEqualTo("HIT");
        assertThat(origin.count("/d")).isEqualTo(2);
    }
}
