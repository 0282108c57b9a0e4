package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The request path's HTTP behaviour, byte for byte over raw sockets against
 * the real daemon: versions and connection state, framing of both bodies,
 * interim and bodiless responses, pipelining, upgrades, header rewriting,
 * routes, timeouts and the retry rules.
 */
class ProxyHttpIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static StubBackend api;
    static RawBackend silent;
    static RawBackend resetting;
    static RawBackend echo;
    static RawBackend chunky;
    static RawBackend sized;
    static RawBackend hoppy;
    static RawBackend oneShot;
    static RawBackend oneShotToo;
    static StubBackend spare;
    static RawBackend closeDelimited;
    static RawBackend notAccepting;
    static int shortIdlePort;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        api = lb.stub("api");
        // Reads the request and never answers; for /silent/half, stops after the head and 3 of 10 body bytes.
        silent = lb.raw(s -> {
            String head = silent.readHead(s);
            if (head.startsWith("GET /silent/half ")) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel"
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            s.getInputStream().read();
        });
        // Reads the request head, then resets the connection.
        resetting = lb.raw(s -> {
            resetting.readHead(s);
            s.setSoLinger(true, 0);
        });
        // Accepts any upgrade and echoes every byte after its 101.
        echo = lb.raw(s -> {
            String head = echo.readHead(s);
            if (head == null) {
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.getInputStream().transferTo(out);
        });
        // Answers a chunked body with a trailer, then keeps the connection.
        chunky = lb.raw(s -> {
            while (chunky.readHead(s) != null) {
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        });
        // Answers every request with a 12-byte body; HEAD gets the same head without it.
        sized = lb.raw(s -> {
            for (String head; (head = sized.readHead(s)) != null; ) {
                String answer = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
                s.getOutputStream().write((head.startsWith("HEAD") ? answer : answer + "hello world!")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        });
        // Per connection: a keep-alive answer with hop-by-hop and repeated headers, then a
        // Connection: close answer that sets its own X-Request-Id, then the connection ends.
        hoppy = lb.raw(s -> {
            if (hoppy.readHead(s) == null) {
                return;
            }
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nServer: raw\r\nConnection: keep-alive\r\n"
                    + "Keep-Alive: timeout=5\r\nX-Order: 1\r\nProxy-Authenticate: Basic\r\nx-order: 2\r\n"
                    + "Content-Length: 2\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
            if (hoppy.readHead(s) != null) {
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nX-Request-Id: from-backend\r\nContent-Length: 3\r\n"
                        + "Connection: close\r\n\r\nbye").getBytes(StandardCharsets.US_ASCII));
            }
        });
        // Answers the first request of each connection, keeps it open, and closes it when a second arrives.
        oneShot = lb.raw(s -> {
            if (oneShot.readHead(s) != null) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                oneShot.readHead(s);
            }
        });
        oneShotToo = lb.raw(s -> {
            if (oneShotToo.readHead(s) != null) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                oneShotToo.readHead(s);
            }
        });
        spare = lb.stub("spare");
        // Answers with a body whose end is the end of the connection (no Content-Length, not chunked).
        closeDelimited = lb.raw(s -> {
            if (closeDelimited.readHead(s) != null) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
                        .getBytes(StandardCharsets.US_ASCII));
            }
        });
        notAccepting = lb.closeAfter(RawBackend.notAccepting());
        // Fill the backlog until a connect is no longer answered at all: later ones will time out too.
        for (int i = 0; i < 8; i++) {
            java.net.Socket filler = lb.closeAfter(new java.net.Socket());
            try {
                filler.connect(new java.net.InetSocketAddress("127.0.0.1", notAccepting.port()), 200);
            } catch (java.net.SocketTimeoutException full) {
                break;
            }
        }
        lb.config()
                .listener("web", "web", l -> l.timeouts("header: 5s, idle: 30s")
                        .route("api.example.com", "/v1/", "api")
                        .route("/silent/", "silent")
                        .route("/reset/", "reset")
                        .route("/fallback/", "fallback")
                        .route("/ws/", "echo")
                        .route("/chunky/", "chunky")
                        .route("/dead/", "dead")
                        .route("/sized/", "sized")
                        .route("/hoppy/", "hoppy")
                        .route("/stale-pair/", "stale-pair")
                        .route("/stale/", "stale")
                        .route("/eof/", "eof")
                        .route("/blackhole/", "blackhole"))
                .listener("short", "web", l -> l.timeouts("idle: 1s"))
                .pool("web", p -> p.backends(a, b))
                .pool("api", p -> p.backend(api))
                .pool("silent", p -> p.backend(silent).timeouts("response: 500ms"))
                .pool("reset", p -> p.backend(resetting))
                .pool("fallback", p -> p.strategy("round-robin").backends(resetting, a))
                .pool("echo", p -> p.backend(echo))
                .pool("chunky", p -> p.backend(chunky))
                .pool("hoppy", p -> p.backend(hoppy))
                .pool("sized", p -> p.backend(sized))
                .pool("eof", p -> p.backend(closeDelimited))
                .pool("stale", p -> p.backend(oneShot))
                .pool("stale-pair", p -> p.strategy("round-robin").backends(oneShotToo, spare))
                .pool("blackhole", p -> p.retries(0).timeouts("connect: 300ms").backend(notAccepting))
                .pool("dead", p -> p.retries(2).backend(TandemFixture.unusedAddress()).backend(b));
        lb.start();
        port = lb.port("web");
        shortIdlePort = lb.port("short");
    }

    // Two HTTP/1.1 requests on one connection are both answered, alternately by a and b; the connection stays open.
    @Test
    void keepAliveServesSeveralRequests() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r1 = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            RawClient.Response r2 = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r1.status()).isEqualTo(200);
            assertThat(r2.status()).isEqualTo(200);
            assertThat(r1.header("x-backend")).isNotEqualTo(r2.header("x-backend"));
            assertThat(r1.header("connection")).isNull();
        }
    }

    // Connection: close from an HTTP/1.1 client: the answer says close and the connection ends after it.
    @Test
    void clientConnectionCloseIsHonoured() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    // HTTP/1.0 without keep-alive: answered, Connection: close, connection closed.
    @Test
    void http10ClosesAfterTheResponse() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).startsWith("hello from ");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    // HTTP/1.0 with keep-alive and a sized body: Connection: keep-alive and a second request on the same connection.
    @Test
    void http10KeepAlive() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r1 = c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r1.status()).isEqualTo(200);
            assertThat(r1.header("connection")).isEqualToIgnoringCase("keep-alive");
            RawClient.Response r2 = c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r2.status()).isEqualTo(200);
        }
    }

    // A chunked backend body goes to an HTTP/1.1 client chunked and to an HTTP/1.0 client close-delimited.
    @Test
    void chunkedResponseReframedForHttp10() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /chunky/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.text()).isEqualTo("hello world");
        }
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /chunky/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.text()).isEqualTo("hello world");
        }
    }

    // A chunked upload from the client reaches the backend whole (length and SHA-256 match).
    @Test
    void chunkedUploadPassesThrough() throws Exception {
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        try (RawClient c = new RawClient(port)) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int off = 0; off < body.length; off += 70_000) {
                int n = Math.min(70_000, body.length - off);
                c.send(Integer.toHexString(n) + "\r\n");
                c.send(java.util.Arrays.copyOfRange(body, off, off + n));
                c.send("\r\n");
            }
            RawClient.Response r = c.send("0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(body.length + " " + sha256(body));
        }
    }

    // Expect: 100-continue: the backend's 100 reaches the client before it sends the body; then the final answer.
    @Test
    void expectContinueIsForwarded() throws Exception {
        byte[] body = "twelve bytes".getBytes(StandardCharsets.US_ASCII);
        try (RawClient c = new RawClient(port)) {
            RawClient.Response interim = c.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").read();
            assertThat(interim.status()).isEqualTo(100);
            RawClient.Response r = c.send(body).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(body.length + " " + sha256(body));
        }
    }

    // HEAD: the backend's Content-Length, no body, and the next request on the connection gets its own answer.
    @Test
    void headHasNoBody() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("HEAD /sized/ HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("12");
            RawClient.Response next = c.send("GET /sized/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(next.text()).isEqualTo("hello world!");
            RawClient.Response again = c.send("HEAD /sized/ HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(again.status()).isEqualTo(200);
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text()).startsWith("hello from ");
        }
    }

    // 204 and 304 go out without a body and the connection carries on.
    @Test
    void noContentAndNotModifiedHaveNoBody() throws Exception {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.send("GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(204);
            RawClient.Response r = c.send("GET /status/304 HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text()).startsWith("hello from ");
        }
    }

    // Three pipelined requests in one write are answered in order.
    @Test
    void pipelinedRequestsAnsweredInOrder() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/202 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /status/203 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(201);
            assertThat(c.read().status()).isEqualTo(202);
            assertThat(c.read().status()).isEqualTo(203);
        }
    }

    // An Upgrade request accepted with 101 becomes a byte tunnel: 1 MiB goes to the backend and comes back intact.
    @Test
    void upgradeIsTunnelled() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /ws/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: echo\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualTo("echo");
            assertThat(r.header("connection")).isEqualToIgnoringCase("upgrade");
            byte[] data = new byte[1 << 20];
            new Random(3).nextBytes(data);
            Thread writer = new Thread(() -> {
                try {
                    c.send(data);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] back = c.readExactly(data.length);
            writer.join();
            assertThat(back).isEqualTo(data);
        }
        assertThat(echo.requests.get()).isEqualTo(1);
    }

    // Hop-by-hop headers never reach the backend; forwarding headers are set; X-Request-Id is made and returned.
    @Test
    void headersAreRewritten() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /v1/x HTTP/1.1\r\nHost: api.example.com\r\nConnection: X-Secret\r\n"
                    + "X-Secret: s\r\nKeep-Alive: 5\r\nUpgrade: h2c\r\nProxy-Authorization: p\r\nTE: trailers\r\n"
                    + "X-Forwarded-For: 10.1.2.3\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello from api");
            assertThat(api.lastHeaders).doesNotContainKeys("x-secret", "keep-alive", "upgrade", "proxy-authorization",
                    "te", "connection");
            assertThat(api.lastHeaders.get("x-forwarded-for")).isEqualTo("10.1.2.3, 127.0.0.1");
            assertThat(api.lastHeaders.get("x-forwarded-proto")).isEqualTo("http");
            assertThat(api.lastHeaders.get("x-forwarded-host")).isEqualTo("api.example.com");
            assertThat(api.lastHeaders.get("forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"api.example.com\"");
            String id = api.lastHeaders.get("x-request-id");
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(r.header("x-request-id")).isEqualTo(id);
        }
        try (RawClient c = new RawClient(port)) {
            c.send("GET /v1/y HTTP/1.1\r\nHost: api.example.com\r\nX-Request-Id: mine-42\r\n\r\n").read();
            assertThat(api.lastHeaders.get("x-request-id")).isEqualTo("mine-42");
        }
    }

    // A response goes to the client byte for byte as the backend sent it (header order, spelling and repeats
    // kept), less its hop-by-hop lines, plus X-Request-Id unless it has one; Connection: close ends that backend
    // connection, not the client's.
    @Test
    void responseHeadIsForwardedAsSentLessHopByHopLines() throws Exception {
        int connectionsBefore = hoppy.connections.get();
        try (RawClient c = new RawClient(port)) {
            String first = "HTTP/1.1 200 OK\r\nServer: raw\r\nX-Order: 1\r\nx-order: 2\r\nContent-Length: 2\r\n"
                    + "x-request-id: it-7\r\n\r\nok";
            c.send("GET /hoppy/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: it-7\r\n\r\n");
            assertThat(new String(c.readExactly(first.length()), StandardCharsets.ISO_8859_1)).isEqualTo(first);
            String second = "HTTP/1.1 200 OK\r\nX-Request-Id: from-backend\r\nContent-Length: 3\r\n\r\nbye";
            c.send("GET /hoppy/ HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(new String(c.readExactly(second.length()), StandardCharsets.ISO_8859_1)).isEqualTo(second);
            // An id with a byte outside ASCII (obs-text) comes back as the same byte.
            c.send("GET /hoppy/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: it-\u00e9\r\n\r\n");
            assertThat(new String(c.readExactly(first.length()), StandardCharsets.ISO_8859_1))
                    .isEqualTo(first.replace("it-7", "it-\u00e9"));
        }
        assertThat(hoppy.connections.get() - connectionsBefore).isEqualTo(2);
    }

    // Routes: host and path prefix choose the pool; a path outside the prefix goes to the default pool.
    @Test
    void routesChooseThePool() throws Exception {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.send("GET /v1/users HTTP/1.1\r\nHost: API.example.com:8080\r\n\r\n").read().text())
                    .isEqualTo("hello from api");
            assertThat(c.send("GET /v2/users HTTP/1.1\r\nHost: api.example.com\r\n\r\n").read().text())
                    .isIn("hello from a", "hello from b");
            assertThat(c.send("GET /v1/users HTTP/1.1\r\nHost: www.example.com\r\n\r\n").read().text())
                    .isIn("hello from a", "hello from b");
        }
    }

    // A backend that reads the request and never answers: 504 after the pool's 500 ms response timeout, connection kept.
    @Test
    void silentBackendGives504() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /silent/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("content-type")).startsWith("text/plain");
            assertThat(r.header("x-request-id")).matches("[0-9a-f]{32}");
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    // A backend that stops mid-body: after the response timeout (between two reads, as nginx's
    // proxy_read_timeout) the client has the head and the 3 bytes sent, and its connection is closed.
    @Test
    void backendStalledMidBodyIsCutAfterTheResponseTimeout() throws Exception {
        try (RawClient c = new RawClient(port)) {
            long sent = System.nanoTime();
            RawClient.Response r = c.send("GET /silent/half HTTP/1.1\r\nHost: x\r\n\r\n").read();
            long cutAfterMillis = (System.nanoTime() - sent) / 1_000_000;
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("10");
            assertThat(r.text()).isEqualTo("hel");
            assertThat(c.closedByPeer()).isTrue();
            assertThat(cutAfterMillis).isBetween(500L, 5_000L);
        }
    }

    // A refused connection is retried on the next backend: every request to the half-dead pool is answered by b.
    @Test
    void connectRefusedIsRetriedElsewhere() throws Exception {
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < 4; i++) {
                RawClient.Response r = c.send("POST /dead/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-backend")).isEqualTo("b");
            }
        }
    }

    // A POST the backend read and then reset is not retried: 502, and the backend saw it exactly once.
    @Test
    void nonIdempotentRequestThatReachedABackendIsNotRetried() throws Exception {
        int before = resetting.requests.get();
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("POST /reset/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
        }
        assertThat(resetting.requests.get() - before).isEqualTo(1);
    }

    // A GET reset before any response byte is retried on the other backend: answered by a.
    @Test
    void idempotentRequestIsRetriedAfterAReset() throws Exception {
        for (int i = 0; i < 2; i++) {
            try (RawClient c = new RawClient(port)) {
                RawClient.Response r = c.send("GET /fallback/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("hello from a");
            }
        }
    }

    // A 1.5 MiB upload with a fixed length and a 10 MiB download pass through byte for byte on one connection.
    @Test
    void largeBodiesBothWays() throws Exception {
        byte[] body = new byte[1_500_000];
        new Random(11).nextBytes(body);
        try (RawClient c = new RawClient(port)) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            assertThat(c.read().text()).isEqualTo(body.length + " " + sha256(body));
            RawClient.Response r = c.send("GET /download?bytes=10485760 HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.body()).hasSize(10 << 20);
            for (int i = 0; i < r.body().length; i++) {
                if (r.body()[i] != StubBackend.pattern(i)) {
                    throw new AssertionError("byte " + i + " differs");
                }
            }
        }
    }

    // A kept-alive connection is still open 200 ms after its response (the listener's idle timeout is 30 s).
    @Test
    void idleConnectionStaysOpenWithinIdleTimeout() throws Exception {
        try (RawClient c = new RawClient(port, 200)) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(c.closedByPeer()).isFalse();
        }
    }

    // A body the backend ends by closing reaches an HTTP/1.1 client chunked, and its connection stays usable.
    @Test
    void closeDelimitedBodyIsChunkedForTheClient() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /eof/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.text()).isEqualTo("until the end");
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text()).startsWith("hello from ");
        }
    }

    // A reused keep-alive connection the backend closed on seeing the request: the POST goes again on a new connection.
    @Test
    void staleKeepAliveConnectionIsRetried() throws Exception {
        int connectionsBefore = oneShot.connections.get();
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = c.send("POST /stale/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read();
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(r.text()).isEqualTo("ok");
            }
        }
        assertThat(oneShot.connections.get() - connectionsBefore).isEqualTo(3);
    }

    // In a pool of two, a request that meets a stale keep-alive connection goes to the other backend.
    @Test
    void staleKeepAliveConnectionIsRetriedOnAnotherBackend() throws Exception {
        try (RawClient c = new RawClient(port)) {
            String post = "POST /stale-pair/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
            // Round-robin: oneShotToo on a new connection, then spare; the third goes to
            // oneShotToo on the kept connection, which it closes on seeing the request.
            assertThat(c.send(post).read().text()).isEqualTo("ok");
            assertThat(c.send(post).read().text()).isEqualTo("hello from spare");
            RawClient.Response r = c.send(post).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello from spare");
        }
        assertThat(oneShotToo.connections.get()).isEqualTo(1);
        PrometheusText m = lb.admin().metrics();
        assertThat(m.value("tandem_retries_total", "pool", "stale-pair", "cause", "stale-connection")).isEqualTo(1.0);
    }

    // A backend whose connect does not complete within the pool's 300 ms connect timeout: 504.
    @Test
    void connectTimeoutGives504() throws Exception {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /blackhole/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).contains("did not accept a connection in time");
        }
    }

    // The listener's 1 s idle timeout closes a kept-alive connection that sends nothing more.
    @Test
    void idleClientConnectionIsClosed() throws Exception {
        try (RawClient c = new RawClient(shortIdlePort, 5_000)) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.closedByPeer()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(800L, 4000L);
        }
    }

    private static String sha256(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    }
}
