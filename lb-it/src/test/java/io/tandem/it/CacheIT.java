package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP cache against the real daemon and a real origin: what is stored
 * and what passes (RFC 9111 as a shared cache, Varnish's cookie rules), what
 * the origin saw and what the client got for each rule, revalidation, grace,
 * stale-if-error with the origin gone, coalescing of 100 concurrent misses,
 * hit-for-miss, PURGE, the admin purge and ban, and what /status and
 * /metrics say.
 */
class CacheIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static CacheOrigin origin;
    static CacheOrigin failing;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        origin = new CacheOrigin();
        failing = new CacheOrigin();
        lb.config()
                .raw("caches: { default: { grace: 0s, ignore-cookies: [_ga, _gid] }, graceful: { grace: 60s },"
                        + " lenient: { grace: 0s, stale-if-error: 1h },"
                        + " defaulted: { default-ttl: 60s, x-cache: false } }")
                .listener("front", "origin", l -> l.set("cache", "default")
                        .routeMap("{ match: { path: { prefix: /grace/ } }, pool: origin, cache: graceful }")
                        .routeMap("{ match: { path: { prefix: /sie/ } }, pool: failing, cache: lenient }")
                        .routeMap("{ match: { path: { prefix: /plain/ } }, pool: origin, cache: 'off' }")
                        .routeMap("{ match: { path: { prefix: /dflt/ } }, pool: origin, cache: defaulted }")
                        .routeMap("{ match: { path: { prefix: /static/ } }, pool: origin,"
                                + " cache-ignore-cookies: ['*'] }"))
                .pool("origin", p -> p.backend(origin))
                .pool("failing", p -> p.backend(failing));
        lb.start();
    }

    static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port("front") + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("x")
                        : HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    static String xCache(HttpResponse<String> r) {
        return r.headers().firstValue("x-cache").orElse(null);
    }

    static CacheOrigin.Answer ok(String body, String... headers) {
        return CacheOrigin.Answer.ok(body, headers);
    }

    // A cacheable answer is a MISS once, then a HIT with an Age, also for HEAD; the origin sees one request.
    @Test
    void missThenHit() throws Exception {
        origin.on("/a", ok("page a", "Cache-Control", "max-age=60"));
        HttpResponse<String> first = get("/a");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("page a");
        assertThat(xCache(first)).isEqualTo("MISS");
        HttpResponse<String> second = get("/a");
        assertThat(second.body()).isEqualTo("page a");
        assertThat(xCache(second)).isEqualTo("HIT");
        assertThat(Long.parseLong(second.headers().firstValue("age").orElseThrow())).isBetween(0L, 60L);
        assertThat(second.headers().firstValue("cache-control")).contains("max-age=60");
        HttpResponse<String> head = send("HEAD", "/a");
        assertThat(xCache(head)).isEqualTo("HIT");
        assertThat(head.headers().firstValue("content-length")).contains("6");
        assertThat(head.body()).isEmpty();
        assertThat(origin.count("/a")).isEqualTo(1);
    }

    // no-store, private, Set-Cookie, Vary: * and no lifetime (default-ttl 0) go to the origin every time.
    @Test
    void uncacheableAnswersAreNotStored() throws Exception {
        origin.on("/nostore", ok("n", "Cache-Control", "no-store, max-age=60"));
        origin.on("/private", ok("p", "Cache-Control", "private, max-age=60"));
        origin.on("/cookie", ok("c", "Cache-Control", "max-age=60", "Set-Cookie", "sid=1"));
        origin.on("/varystar", ok("v", "Cache-Control", "max-age=60", "Vary", "*"));
        origin.on("/nottl", ok("t"));
        for (String path : List.of("/nostore", "/private", "/cookie", "/varystar", "/nottl")) {
            assertThat(xCache(get(path))).as(path).isEqualTo("MISS");
            assertThat(xCache(get(path))).as(path).isEqualTo("MISS");
            assertThat(origin.count(path)).as(path).isEqualTo(2);
        }
    }

    // Surrogate-Control wins over Cache-Control and never reaches the client; s-maxage beats max-age=0.
    @Test
    void surrogateControlAndSMaxAge() throws Exception {
        origin.on("/surrogate", ok("s", "Cache-Control", "no-store", "Surrogate-Control", "max-age=60"));
        origin.on("/smax", ok("m", "Cache-Control", "max-age=0, s-maxage=60"));
        for (String path : List.of("/surrogate", "/smax")) {
            HttpResponse<String> miss = get(path);
            HttpResponse<String> hit = get(path);
            assertThat(xCache(miss)).as(path).isEqualTo("MISS");
            assertThat(xCache(hit)).as(path).isEqualTo("HIT");
            assertThat(miss.headers().firstValue("surrogate-control")).isEmpty();
            assertThat(hit.headers().firstValue("surrogate-control")).isEmpty();
            assertThat(origin.count(path)).as(path).isEqualTo(1);
        }
        assertThat(get("/surrogate").headers().firstValue("cache-control")).contains("no-store");
    }

    // default-ttl stores answers without freshness information; x-cache: false leaves the header out.
    @Test
    void defaultTtlAndNoXCache() throws Exception {
        origin.on("/dflt/x", ok("d"));
        HttpResponse<String> first = get("/dflt/x");
        HttpResponse<String> second = get("/dflt/x");
        assertThat(second.body()).isEqualTo("d");
        assertThat(second.headers().firstValue("age")).isPresent();
        assertThat(xCache(first)).isNull();
        assertThat(xCache(second)).isNull();
        assertThat(origin.count("/dflt/x")).isEqualTo(1);
        origin.on("/plain/x", ok("plain", "Cache-Control", "max-age=60"));
        assertThat(xCache(get("/plain/x"))).isNull();
        assertThat(xCache(get("/plain/x"))).isNull();
        assertThat(origin.count("/plain/x")).isEqualTo(2);
    }

    // Cookie and Authorization pass; ignored cookies neither pass nor reach the origin; a route may ignore all.
    @Test
    void cookieBypass() throws Exception {
        origin.on("/ck", ok("ck", "Cache-Control", "max-age=60"));
        assertThat(xCache(get("/ck", "Cookie", "sid=1"))).isEqualTo("PASS");
        assertThat(origin.lastHeader("/ck", "cookie")).isEqualTo("sid=1");
        assertThat(xCache(get("/ck"))).isEqualTo("MISS");
        assertThat(xCache(get("/ck"))).isEqualTo("HIT");
        assertThat(xCache(get("/ck", "Cookie", "_ga=GA1.2; _gid=7"))).isEqualTo("HIT");
        assertThat(xCache(get("/ck", "Authorization", "Basic YTpi"))).isEqualTo("PASS");
        assertThat(origin.count("/ck")).isEqualTo(3);
        origin.on("/ck2", ok("ck2", "Cache-Control", "max-age=60"));
        assertThat(xCache(get("/ck2", "Cookie", "_ga=GA1.2"))).isEqualTo("MISS");
        assertThat(origin.lastHeader("/ck2", "cookie")).isNull();
        origin.on("/static/s", ok("static", "Cache-Control", "max-age=60"));
        assertThat(xCache(get("/static/s", "Cookie", "sid=1"))).isEqualTo("MISS");
        assertThat(xCache(get("/static/s", "Cookie", "sid=2"))).isEqualTo("HIT");
        assertThat(origin.count("/static/s")).isEqualTo(1);
    }

    // Vary keeps one object per value of the named request header.
    @Test
    void varyKeepsVariants() throws Exception {
        origin.on("/vary", ok("varied", "Cache-Control", "max-age=60", "Vary", "Accept-Language"));
        assertThat(xCache(get("/vary", "Accept-Language", "en"))).isEqualTo("MISS");
        assertThat(xCache(get("/vary", "Accept-Language", "de"))).isEqualTo("MISS");
        assertThat(xCache(get("/vary", "Accept-Language", "en"))).isEqualTo("HIT");
        assertThat(xCache(get("/vary", "Accept-Language", "de"))).isEqualTo("HIT");
        assertThat(xCache(get("/vary"))).isEqualTo("MISS");
        assertThat(origin.count("/vary")).isEqualTo(3);
    }

    // A client's If-None-Match that matches the stored ETag gets 304 from the cache, without a body.
    @Test
    void conditionalRequestsAnsweredFromTheCache() throws Exception {
        origin.on("/etag", ok("tagged", "Cache-Control", "max-age=60", "ETag", "\"v1\""));
        assertThat(get("/etag").statusCode()).isEqualTo(200);
        HttpResponse<String> r = get("/etag", "If-None-Match", "\"v1\"");
        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(xCache(r)).isEqualTo("HIT");
        assertThat(r.headers().firstValue("etag")).contains("\"v1\"");
        assertThat(r.body()).isEmpty();
        assertThat(origin.count("/etag")).isEqualTo(1);
    }

    // A stale object is revalidated with its ETag; the origin's 304 refreshes it and the client gets the page.
    @Test
    void staleObjectsAreRevalidated() throws Exception {
        // Age equal to max-age: stale as soon as it is stored.
        origin.on("/stale", ok("kept body", "Cache-Control", "max-age=10", "Age", "10", "ETag", "\"s1\""));
        assertThat(xCache(get("/stale"))).isEqualTo("MISS");
        HttpResponse<String> r = get("/stale");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("kept body");
        assertThat(xCache(r)).isEqualTo("MISS");
        assertThat(origin.count("/stale")).isEqualTo(2);
        assertThat(origin.notModified("/stale")).isEqualTo(1);
        assertThat(origin.lastHeader("/stale", "if-none-match")).isEqualTo("\"s1\"");
    }

    // Within grace a stale object is served at once while one background fetch refreshes it.
    @Test
    void graceServesStaleWhileRefreshing() throws Exception {
        origin.on("/grace/g", ok("graceful", "Cache-Control", "max-age=10", "Age", "10"));
        assertThat(xCache(get("/grace/g"))).isEqualTo("MISS");
        origin.hold("/grace/g");
        HttpResponse<String> r = get("/grace/g");
        assertThat(xCache(r)).isEqualTo("STALE");
        assertThat(r.body()).isEqualTo("graceful");
        Poll.until(Duration.ofSeconds(10), "the background fetch at the origin", () -> origin.waiting.get() == 1);
        // A second stale hit while the refresh is under way does not start another.
        assertThat(xCache(get("/grace/g"))).isEqualTo("STALE");
        origin.release("/grace/g");
        Poll.until(Duration.ofSeconds(10), "the background fetch to end", () -> origin.waiting.get() == 0);
        assertThat(origin.count("/grace/g")).isEqualTo(2);
    }

    // With the origin gone, stale-if-error serves the stale object instead of a 502.
    @Test
    void staleIfErrorWhenTheOriginIsDown() throws Exception {
        failing.on("/sie/x", ok("still here", "Cache-Control", "max-age=10", "Age", "10"));
        assertThat(xCache(get("/sie/x"))).isEqualTo("MISS");
        failing.close();
        HttpResponse<String> r = get("/sie/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("still here");
        assertThat(xCache(r)).isEqualTo("STALE");
        assertThat(get("/sie/never-stored").statusCode()).isEqualTo(502);
    }

    // 100 concurrent misses of one URL make one origin request; the other 99 wait and get the same answer.
    @Test
    void concurrentMissesAreCoalesced() throws Exception {
        origin.on("/slow", ok("slow page", "Cache-Control", "max-age=60"));
        origin.hold("/slow");
        long coalescedBefore = lb.admin().status().path("caches").path("default").path("coalesced").asLong();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port("front")
                    + "/slow")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Poll.until(Duration.ofSeconds(20), "99 requests waiting for the one fetch", () -> lb.admin().status()
                .path("caches").path("default").path("coalesced").asLong() - coalescedBefore == 99);
        assertThat(origin.count("/slow")).isEqualTo(1);
        origin.release("/slow");
        int misses = 0;
        int hits = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("slow page");
            if ("MISS".equals(xCache(r))) {
                misses++;
            } else if ("HIT".equals(xCache(r))) {
                hits++;
            }
        }
        assertThat(misses).isEqualTo(1);
        assertThat(hits).isEqualTo(99);
        assertThat(origin.count("/slow")).isEqualTo(1);
    }

    // After an uncacheable answer, concurrent requests go to the origin together (hit-for-miss), not in turn.
    @Test
    void hitForMissIsNotCoalesced() throws Exception {
        origin.on("/hfm", ok("mine", "Cache-Control", "private"));
        assertThat(xCache(get("/hfm"))).isEqualTo("MISS");
        origin.hold("/hfm");
        List<CompletableFuture<HttpResponse<String>>> two = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            two.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port("front")
                    + "/hfm")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Poll.until(Duration.ofSeconds(10), "both requests at the origin", () -> origin.count("/hfm") == 3);
        origin.release("/hfm");
        for (CompletableFuture<HttpResponse<String>> f : two) {
            assertThat(f.get().body()).isEqualTo("mine");
            assertThat(xCache(f.get())).isEqualTo("MISS");
        }
    }

    // PURGE and the admin API's purge and ban (prefix, regex, tag) remove exactly what they name.
    @Test
    void purgeAndBan() throws Exception {
        origin.on("/p1", ok("p1", "Cache-Control", "max-age=60"));
        origin.on("/p2", ok("p2", "Cache-Control", "max-age=60", "xkey", "red blue"));
        origin.on("/p3", ok("p3", "Cache-Control", "max-age=60", "Cache-Tag", "green, blue"));
        origin.on("/news/1", ok("n1", "Cache-Control", "max-age=60"));
        origin.on("/news/2", ok("n2", "Cache-Control", "max-age=60"));
        origin.on("/docs/a.pdf", ok("pdf", "Cache-Control", "max-age=60"));
        for (String p : List.of("/p1", "/p2", "/p3", "/news/1", "/news/2", "/docs/a.pdf")) {
            get(p);
            assertThat(xCache(get(p))).as(p).isEqualTo("HIT");
        }
        HttpResponse<String> purge = send("PURGE", "/p1");
        assertThat(purge.statusCode()).isEqualTo(200);
        assertThat(send("PURGE", "/p1").statusCode()).isEqualTo(404);
        assertThat(xCache(get("/p1"))).isEqualTo("MISS");
        assertThat(xCache(get("/p1"))).isEqualTo("HIT");

        String base = "/api/v1/caches/default/";
        JsonNode tag = json(lb.admin().post(base + "ban", null, "tag=red"));
        assertThat(tag.path("purged").asInt()).isEqualTo(1);
        assertThat(xCache(get("/p2"))).isEqualTo("MISS");
        assertThat(xCache(get("/p3"))).isEqualTo("HIT");
        assertThat(json(lb.admin().post(base + "ban", null, "tag=blue")).path("purged").asInt()).isEqualTo(2);
        assertThat(xCache(get("/p3"))).isEqualTo("MISS");
        assertThat(json(lb.admin().post(base + "ban", null, "prefix=http://127.0.0.1/news/"))
                .path("purged").asInt()).isEqualTo(2);
        assertThat(xCache(get("/news/1"))).isEqualTo("MISS");
        assertThat(json(lb.admin().post(base + "ban", null, "regex=\\.pdf$")).path("purged").asInt()).isEqualTo(1);
        assertThat(xCache(get("/docs/a.pdf"))).isEqualTo("MISS");
        assertThat(json(lb.admin().post(base + "purge", null, "url=http://127.0.0.1:" + lb.port("front") + "/p1"))
                .path("purged").asInt()).isEqualTo(1);
        assertThat(xCache(get("/p1"))).isEqualTo("MISS");
        assertThat(lb.admin().post("/api/v1/caches/nope/purge", null, "url=/x").statusCode()).isEqualTo(404);
        assertThat(lb.admin().post(base + "ban", null, "").statusCode()).isEqualTo(400);
    }

    // A non-error answer to POST invalidates the URL; an error answer does not.
    @Test
    void unsafeMethodsInvalidate() throws Exception {
        origin.on("/inv", ok("inv", "Cache-Control", "max-age=60"));
        get("/inv");
        assertThat(xCache(get("/inv"))).isEqualTo("HIT");
        HttpResponse<String> post = send("POST", "/inv");
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(xCache(post)).isEqualTo("PASS");
        assertThat(xCache(get("/inv"))).isEqualTo("MISS");
        assertThat(xCache(get("/inv"))).isEqualTo("HIT");
        assertThat(send("POST", "/missing").statusCode()).isEqualTo(404);
    }

    // /status and /metrics count hits, misses, passes and what the cache holds.
    @Test
    void statusAndMetrics() throws Exception {
        origin.on("/m", ok("metered", "Cache-Control", "max-age=60"));
        get("/m");
        get("/m");
        JsonNode cache = lb.admin().status().path("caches").path("default");
        assertThat(cache.path("hit").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(cache.path("miss").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(cache.path("objects").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(cache.path("bytes").asLong()).isGreaterThan(0);
        String metrics = lb.admin().get("/metrics").body();
        assertThat(metrics).contains("tandem_cache_requests_total{cache=\"default\",outcome=\"hit\"}");
        assertThat(metrics).contains("tandem_cache_bytes{cache=\"default\"}");
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }
}
