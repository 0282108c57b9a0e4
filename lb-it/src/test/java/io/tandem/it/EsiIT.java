package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ESI against the real daemon: a page assembled from fragments against its
 * reference text, fragments cached on their own, nesting and its limit, alt
 * and onerror="continue", a failed include cutting the page, and ESI turned
 * on by the cache instead of by the response.
 */
class EsiIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static CacheOrigin origin;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String ESI = "content=\"ESI/1.0\"";

    @BeforeAll
    static void start() throws Exception {
        origin = new CacheOrigin();
        origin.on("/page", CacheOrigin.Answer.ok("<html><esi:include src=\"/frag/header\"/>"
                        + "<esi:remove><p>no esi</p></esi:remove>"
                        + "<!--esi <main><esi:include src=\"/frag/nested\"/></main> -->"
                        + "<esi:include src=\"/frag/missing\" onerror=\"continue\"/>"
                        + "<esi:include src=\"/frag/broken\" alt=\"/frag/alt\"/></html>",
                "Surrogate-Control", ESI, "Cache-Control", "max-age=60", "Content-Type", "text/html"));
        origin.on("/frag/header", CacheOrigin.Answer.ok("HEADER", "Cache-Control", "max-age=60"));
        origin.on("/frag/nested", CacheOrigin.Answer.ok("[<esi:include src=\"/frag/leaf\"/>]",
                "Surrogate-Control", ESI, "Cache-Control", "max-age=60"));
        origin.on("/frag/leaf", CacheOrigin.Answer.ok("LEAF", "Cache-Control", "no-store"));
        origin.on("/frag/alt", CacheOrigin.Answer.ok("ALT", "Cache-Control", "max-age=60"));
        for (int i = 0; i <= 7; i++) {
            origin.on("/deep/" + i, CacheOrigin.Answer.ok(i + "<esi:include src=\"/deep/" + (i + 1)
                    + "\" onerror=\"continue\"/>", "Surrogate-Control", ESI, "Cache-Control", "max-age=60"));
        }
        origin.on("/cut", CacheOrigin.Answer.ok("before<esi:include src=\"/frag/none\"/>after",
                "Surrogate-Control", ESI, "Cache-Control", "max-age=60"));
        origin.on("/frag/other", CacheOrigin.Answer.ok("OTHER", "Cache-Control", "max-age=60"));
        origin.on("/esi/on", CacheOrigin.Answer.ok("a<esi:include src=\"/frag/other\"/>b",
                "Cache-Control", "max-age=60"));
        origin.on("/raw", CacheOrigin.Answer.ok("a<esi:include src=\"/frag/other\"/>b",
                "Cache-Control", "max-age=60"));
        lb.config()
                .raw("caches: { pages: { grace: 0s }, esipages: { esi: true } }")
                .listener("front", "origin", l -> l.set("cache", "pages")
                        .routeMap("{ match: { path: { prefix: /esi/ } }, pool: origin, cache: esipages }"))
                .pool("origin", p -> p.backend(origin));
        lb.start();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port("front") + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // The page is assembled to the reference text; the second time the page and the cacheable fragments
    // come from the cache and only the no-store fragment goes to the origin again.
    @Test
    void assemblesThePageFromCachedFragments() throws Exception {
        String reference = "<html>HEADER <main>[LEAF]</main> ALT</html>";
        HttpResponse<String> first = get("/page");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo(reference);
        assertThat(first.headers().firstValue("x-cache")).contains("MISS");
        assertThat(first.headers().firstValue("surrogate-control")).isEmpty();
        assertThat(first.headers().firstValue("transfer-encoding")).contains("chunked");
        HttpResponse<String> second = get("/page");
        assertThat(second.body()).isEqualTo(reference);
        assertThat(second.headers().firstValue("x-cache")).contains("HIT");
        assertThat(origin.count("/page")).isEqualTo(1);
        assertThat(origin.count("/frag/header")).isEqualTo(1);
        assertThat(origin.count("/frag/nested")).isEqualTo(1);
        assertThat(origin.count("/frag/alt")).isEqualTo(1);
        assertThat(origin.count("/frag/leaf")).isEqualTo(2);
        assertThat(origin.count("/frag/missing")).isEqualTo(2);
    }

    // Includes nest at most 5 deep: the page and five levels below it, the sixth is left out (continue).
    @Test
    void nestingStopsAtFive() throws Exception {
        assertThat(get("/deep/0").body()).isEqualTo("012345");
        assertThat(origin.count("/deep/5")).isEqualTo(1);
        assertThat(origin.count("/deep/6")).isZero();
    }

    // An include that fails without onerror="continue" cuts the page off there and closes the connection.
    @Test
    void failedIncludeCutsThePage() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), lb.port("front"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /cut HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                all.write(buf, 0, n);
            }
            String text = all.toString(StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(text).contains("\r\n6\r\nbefore\r\n");
            assertThat(text).doesNotContain("after").doesNotContain("\r\n0\r\n\r\n");
        }
    }

    // A cache with esi: true processes pages without Surrogate-Control; other caches pass the markup on.
    @Test
    void esiByTheCache() throws Exception {
        assertThat(get("/esi/on").body()).isEqualTo("aOTHERb");
        assertThat(get("/raw").body()).isEqualTo("a<esi:include src=\"/frag/other\"/>b");
    }
}
