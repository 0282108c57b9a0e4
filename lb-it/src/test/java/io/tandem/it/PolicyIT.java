package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic policy against the real daemon: which backend each route sends a
 * request to, by every kind of condition, the first wave's form included.
 */
class PolicyIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend web;
    /** bcrypt (cost 4) of "s3cret". */
    static final String ALICE = "$2y$04$ch05OiMyM8T3Zkrg2r2MWOLJmaYvVwv0tWD2vZFlPXVmSei9xG.2y";

    @BeforeAll
    static void start() throws Exception {
        web = lb.stub("web");
        StubBackend api = lb.stub("api");
        StubBackend exact = lb.stub("exact");
        StubBackend canary = lb.stub("canary");
        StubBackend beta = lb.stub("beta");
        StubBackend regex = lb.stub("regex");
        StubBackend second = lb.stub("second");
        StubBackend old = lb.stub("old");
        // Closes every connection at once: requests get 502, health checks fail.
        RawBackend closer = lb.raw(java.net.Socket::close);
        java.nio.file.Path page502 = lb.file("errors/502.html", "<h1>Bad gateway, sorry</h1>\n");
        java.nio.file.Path page503 = lb.file("errors/503.json", "{\"error\": \"down\"}\n");
        java.nio.file.Path htpasswd = lb.file("admin.htpasswd", "alice:" + ALICE + "\n");
        lb.config()
                .listener("guarded", "web", l -> l.set("access", "{ deny: [127.0.0.2/32] }"))
                .listener("capped", "web", l -> l.limits("connections: 2"))
                .listener("broken", "refused", l -> l.route("/down/", "down"))
                .listener("front", "web", l -> l
                        .routeMap("{ match: { path: { prefix: /rated/ } }, pool: web, limits: { rate: 10/h } }")
                        .routeMap("{ match: { path: { exact: /park } }, pool: web, limits: { connections: 2 } }")
                        .routeMap("{ match: { path: { exact: /upload } }, pool: web, limits: { body: 1KiB } }")
                        .routeMap("{ match: { path: { prefix: /admin/ } }, pool: web, access: { allow: [127.0.0.1/32],"
                                + " basic-auth: '" + htpasswd + "', realm: Admins } }")
                        .routeMap("{ match: { path: { prefix: /strip/ } }, pool: web, rewrite: { strip-prefix: /strip,"
                                + " request-headers: [ { set: X-Env, value: prod },"
                                + " { add: X-Client, value: '{client}' },"
                                + " { remove: X-Debug } ], response-headers: [ { set: X-Served-By,"
                                + " value: 'tandem {scheme} {host}' }, { remove: X-Seen-Peer } ] } }")
                        .routeMap("{ match: { path: { prefix: /v1/ } }, pool: web,"
                                + " rewrite: { replace-prefix: { from: /v1/, to: /v2/ } } }")
                        .routeMap("{ match: { path: { prefix: /moved/ } },"
                                + " redirect: { status: '308', location: 'https://new.example.com{uri}' } }")
                        .routeMap("{ match: { path: { exact: /robots.txt } },"
                                + " respond: { body: \"User-agent: *\\nDisallow: /admin/\\n\" } }")
                        .routeMap("{ match: { host: '*.example.com', path: { prefix: /api/ } }, pool: api }")
                        .routeMap("{ match: { path: { exact: /exact }, method: [POST] }, pool: exact }")
                        .routeMap("{ match: { headers: [ { name: X-Canary, equals: '1' } ] }, pool: canary }")
                        .routeMap("{ match: { query: [ { name: beta } ] }, pool: beta }")
                        .routeMap("{ match: { path: { regex: '^/u/[0-9]+$' } }, pool: regex }")
                        .routeMap("{ match: { source: [127.0.0.2/32] }, pool: second }")
                        .route("/old/", "old"))
                .pool("web", p -> p.backend(web))
                .pool("refused", p -> p.set("retries", "0").set("error-pages", "{ 502: '" + page502 + "' }")
                        .backend(closer))
                .pool("down", p -> p.set("error-pages", "{ 503: '" + page503 + "' }")
                        .health("path: /, interval: 100ms, timeout: 100ms, rise: 1, fall: 1, initial-state: probe")
                        .backend(closer))
                .pool("api", p -> p.backend(api))
                .pool("exact", p -> p.backend(exact))
                .pool("canary", p -> p.backend(canary))
                .pool("beta", p -> p.backend(beta))
                .pool("regex", p -> p.backend(regex))
                .pool("second", p -> p.backend(second))
                .pool("old", p -> p.backend(old));
        lb.start();
    }

    static RawClient.Response get(String source, String head) throws IOException {
        return get(source, "front", head);
    }

    /** One request on a new connection from {@code source} (a 127.0.0.x address) to {@code listener}. */
    static RawClient.Response get(String source, String listener, String head) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), lb.port(listener)));
        s.setSoTimeout(10_000);
        try (RawClient c = new RawClient(s)) {
            return c.send(head).read(head.startsWith("HEAD "));
        }
    }

    static String backendFor(String method, String target, String host, String... headerLines) throws IOException {
        return backendFrom("127.0.0.1", method, target, host, headerLines);
    }

    static String backendFrom(String source, String method, String target, String host, String... headerLines)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headerLines) {
            head.append(h).append("\r\n");
        }
        head.append(method.equals("POST") ? "Content-Length: 0\r\n" : "").append("Connection: close\r\n\r\n");
        RawClient.Response r = get(source, head.toString());
        assertThat(r.status()).as(method + " " + target).isEqualTo(200);
        return r.header("x-backend");
    }

    // Each condition sends its request to its route's pool; first match wins, the rest go to the default.
    @Test
    void eachConditionRoutesToItsPool() throws Exception {
        assertThat(backendFor("GET", "/api/x", "www.EXAMPLE.com:8080")).isEqualTo("api");
        assertThat(backendFor("GET", "/api/x", "example.com")).isEqualTo("web");
        assertThat(backendFor("POST", "/exact", "h")).isEqualTo("exact");
        assertThat(backendFor("GET", "/exact", "h")).isEqualTo("web");
        assertThat(backendFor("POST", "/exact/more", "h")).isEqualTo("web");
        assertThat(backendFor("GET", "/", "h", "X-Canary: 1")).isEqualTo("canary");
        assertThat(backendFor("GET", "/", "h", "X-Canary: 2")).isEqualTo("web");
        assertThat(backendFor("GET", "/p?a=1&beta", "h")).isEqualTo("beta");
        assertThat(backendFor("GET", "/u/42", "h")).isEqualTo("regex");
        assertThat(backendFor("GET", "/u/42x", "h")).isEqualTo("web");
        assertThat(backendFor("GET", "/old/page", "h")).isEqualTo("old");
        // The earlier header route wins over the later source route.
        assertThat(backendFrom("127.0.0.2", "GET", "/", "h", "X-Canary: 1")).isEqualTo("canary");
        assertThat(backendFrom("127.0.0.2", "GET", "/", "h")).isEqualTo("second");
    }

    // A rewrite route strips the prefix, edits request headers the backend sees and response headers the client sees.
    @Test
    void rewritesPathAndHeaders() throws Exception {
        RawClient.Response r = get("127.0.0.1", "GET /strip/a?b=1 HTTP/1.1\r\nHost: Www.Example.com:80\r\n"
                + "X-Env: dev\r\nX-Client: first\r\nX-Debug: 1\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("web");
        assertThat(r.header("x-seen-uri")).isEqualTo("/a?b=1");
        assertThat(r.header("x-served-by")).isEqualTo("tandem http www.example.com");
        assertThat(r.header("x-seen-peer")).isNull();
        assertThat(web.lastHeaders).containsEntry("x-env", "prod").containsEntry("x-client", "first,127.0.0.1")
                .doesNotContainKey("x-debug");
        RawClient.Response v1 = get("127.0.0.1", "GET /v1/items HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertThat(v1.header("x-seen-uri")).isEqualTo("/v2/items");
        assertThat(v1.header("x-seen-peer")).isEqualTo("127.0.0.1");
    }

    // Redirect and fixed-response routes answer without a backend, on a connection that stays open.
    @Test
    void redirectAndRespondAnswerThemselves() throws Exception {
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response moved = c.send("POST /moved/x?y=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
                    .read();
            assertThat(moved.status()).isEqualTo(308);
            assertThat(moved.header("location")).isEqualTo("https://new.example.com/moved/x?y=2");
            assertThat(moved.header("content-length")).isEqualTo("0");
            assertThat(moved.header("x-request-id")).isNotEmpty();
            assertThat(moved.header("x-backend")).isNull();
            RawClient.Response robots = c.send("GET /robots.txt HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(robots.status()).isEqualTo(200);
            assertThat(robots.header("content-type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(robots.text()).isEqualTo("User-agent: *\nDisallow: /admin/\n");
            assertThat(robots.header("x-backend")).isNull();
            // The same connection still reaches a backend.
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().header("x-backend")).isEqualTo("web");
        }
    }

    // A listener's deny refuses one client with 403 and serves another.
    @Test
    void listenerAccess() throws Exception {
        String head = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        RawClient.Response denied = get("127.0.0.2", "guarded", head);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.text()).isEqualTo("Access from your address is not allowed.\n");
        assertThat(denied.header("x-backend")).isNull();
        assertThat(get("127.0.0.1", "guarded", head).header("x-backend")).isEqualTo("web");
    }

    // A route's allow gives 403 to other clients; its basic auth 401 with a challenge until the password is right.
    @Test
    void routeAccessAndBasicAuth() throws Exception {
        String head = "GET /admin/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n";
        String good = "Authorization: Basic " + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes())
                + "\r\n";
        String bad = "Authorization: Basic " + java.util.Base64.getEncoder().encodeToString("alice:nope".getBytes())
                + "\r\n";
        assertThat(get("127.0.0.2", head + good + "\r\n").status()).isEqualTo(403);
        RawClient.Response none = get("127.0.0.1", head + "\r\n");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("www-authenticate")).isEqualTo("Basic realm=\"Admins\", charset=\"UTF-8\"");
        assertThat(get("127.0.0.1", head + bad + "\r\n").status()).isEqualTo(401);
        RawClient.Response ok = get("127.0.0.1", head + good + "\r\n");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("x-backend")).isEqualTo("web");
        assertThat(ok.header("x-seen-uri")).isEqualTo("/admin/x");
    }

    // Under a bounded loop a client over its rate gets 429 with Retry-After; another client is not affected.
    @Test
    void rateLimitsOneClientOnly() throws Exception {
        String head = "GET /rated/x HTTP/1.1\r\nHost: h\r\n\r\n";
        int ok = 0;
        int limited = 0;
        int otherOk = 0;
        try (RawClient one = client("127.0.0.1", "front"); RawClient two = client("127.0.0.2", "front")) {
            for (int i = 0; i < 30; i++) {
                RawClient.Response r = one.send(head).read();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertThat(r.status()).isEqualTo(429);
                    // The client used all of this hour: the rest of it, then until a tenth of its
                    // 10 requests has slid out of the window (6 minutes): at most 66 minutes.
                    assertThat(Long.parseLong(r.header("retry-after"))).isBetween(360L, 3960L);
                    assertThat(r.text()).isEqualTo("Too many requests from your address; retry later.\n");
                    limited++;
                }
                if (i < 10) {
                    otherOk += two.send(head).read().status() == 200 ? 1 : 0;
                }
            }
        }
        assertThat(ok).isEqualTo(10);
        assertThat(limited).isEqualTo(20);
        assertThat(otherOk).isEqualTo(10);
        PrometheusText m = lb.admin().metrics();
        assertThat(m.value("tandem_limited_requests_total", "listener", "front", "limit", "rate")).isEqualTo(20.0);
        // Both clients are in the rated route's table (the in-flight route's may hold them too).
        assertThat(m.value("tandem_limit_clients", "listener", "front")).isGreaterThanOrEqualTo(2.0);
        assertThat(m.value("tandem_limit_evictions_total", "listener", "front")).isZero();
    }

    // A client with two requests in flight on a route capped at 2 gets 429 for a third; another client does not.
    @Test
    void inFlightCapPerClient() throws Exception {
        String head = "GET /park HTTP/1.1\r\nHost: h\r\n\r\n";
        try (RawClient a = client("127.0.0.1", "front"); RawClient b = client("127.0.0.1", "front");
             RawClient c = client("127.0.0.1", "front"); RawClient other = client("127.0.0.2", "front")) {
            a.send(head);
            b.send(head);
            Poll.until(java.time.Duration.ofSeconds(10), "two requests parked", () -> web.parked.get() == 2);
            RawClient.Response third = c.send(head).read();
            assertThat(third.status()).isEqualTo(429);
            assertThat(third.header("retry-after")).isEqualTo("1");
            other.send(head);
            Poll.until(java.time.Duration.ofSeconds(10), "the other client's request parked",
                    () -> web.parked.get() == 3);
            web.releaseParked();
            assertThat(a.read().status()).isEqualTo(200);
            assertThat(b.read().status()).isEqualTo(200);
            assertThat(other.read().status()).isEqualTo(200);
            // The slots are free again.
            Poll.until(java.time.Duration.ofSeconds(10), "no request parked", () -> web.parked.get() == 0);
            c.send(head);
            Poll.until(java.time.Duration.ofSeconds(10), "the retry parked", () -> web.parked.get() == 1);
            web.releaseParked();
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    // A body over the route's limit is refused with 413, by Content-Length at once or chunked as it grows.
    @Test
    void bodyLimit() throws Exception {
        String big = "x".repeat(2000);
        RawClient.Response declared = get("127.0.0.1", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 2000"
                + "\r\n\r\n" + big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.header("connection")).isEqualTo("close");
        RawClient.Response chunked = get("127.0.0.1", "POST /upload HTTP/1.1\r\nHost: h\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n7d0\r\n" + big + "\r\n0\r\n\r\n");
        assertThat(chunked.status()).isEqualTo(413);
        RawClient.Response small = get("127.0.0.1", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 500"
                + "\r\nConnection: close\r\n\r\n" + "x".repeat(500));
        assertThat(small.status()).isEqualTo(200);
        assertThat(small.text()).startsWith("500 ");
    }

    // At the listener's connection cap the listener stops accepting: a third connection waits in the accept
    // queue, its request unanswered, and is served as soon as one of the two closes; none is closed by the cap.
    @Test
    void listenerConnectionCap() throws Exception {
        String head = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        try (RawClient a = client("127.0.0.1", "capped"); RawClient b = client("127.0.0.1", "capped")) {
            assertThat(a.send(head).read().status()).isEqualTo(200);
            assertThat(b.send(head).read().status()).isEqualTo(200);
            try (RawClient c = client("127.0.0.1", "capped")) {
                c.send(head);
                // The listener goes on serving the two it holds, but not the third.
                assertThat(b.send(head).read().status()).isEqualTo(200);
                assertThat(a.send(head).read().status()).isEqualTo(200);
                assertThat(c.available()).isZero();
                a.close();
                RawClient.Response served = c.read();
                assertThat(served.status()).isEqualTo(200);
                assertThat(served.header("x-backend")).isEqualTo("web");
            }
        }
        assertThat(lb.admin().metrics().has("tandem_limited_requests_total", "listener", "capped", "limit",
                "listener-connections")).isFalse();
    }

    /** A kept-alive connection from {@code source} to {@code listener}. */
    static RawClient client(String source, String listener) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), lb.port(listener)));
        s.setSoTimeout(10_000);
        return new RawClient(s);
    }

    // A pool's error pages replace the built-in text of 502 and 503, with the content type of their file.
    @Test
    void errorPages() throws Exception {
        RawClient.Response bad = get("127.0.0.1", "broken", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertThat(bad.status()).isEqualTo(502);
        assertThat(bad.header("content-type")).isEqualTo("text/html; charset=utf-8");
        assertThat(bad.text()).isEqualTo("<h1>Bad gateway, sorry</h1>\n");
        assertThat(bad.header("x-request-id")).isNotEmpty();
        RawClient.Response down = get("127.0.0.1", "broken",
                "GET /down/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.header("content-type")).isEqualTo("application/json");
        assertThat(down.header("retry-after")).isEqualTo("1");
        assertThat(down.text()).isEqualTo("{\"error\": \"down\"}\n");
    }
}
