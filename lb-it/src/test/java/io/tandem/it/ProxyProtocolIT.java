package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PROXY protocol against the real daemon over loopback sockets: headers
 * in (v1 and v2, built here byte by byte) set the client everywhere; a
 * connection without one, or from an untrusted source, is closed; headers out
 * are exact, on connections private to their client, and checks send one too.
 */
class ProxyProtocolIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final String GET = "GET /who HTTP/1.1\r\nHost: x\r\n\r\n";

    static StubBackend stub;
    static StubBackend h1;
    static StubBackend h2;
    /** Per connection to the v1 and v2 pools: the bytes before the request head, and the head. */
    static final BlockingQueue<byte[]> v1Received = new LinkedBlockingQueue<>();
    static final BlockingQueue<byte[]> v2Received = new LinkedBlockingQueue<>();
    /** Per connection to the private pool: its header line, then the X-Forwarded-For of each request on it. */
    static final ConcurrentLinkedQueue<List<String>> privateConnections = new ConcurrentLinkedQueue<>();
    /** The first 16 bytes of each connection the checked pool's health checks opened. */
    static final BlockingQueue<byte[]> checkHeaders = new LinkedBlockingQueue<>();
    static RawBackend v1;
    static RawBackend v2;
    static RawBackend privateBackend;
    /** The header line of each connection to the drained pool as it opens, and again as it ends. */
    static final BlockingQueue<String> drainedOpened = new LinkedBlockingQueue<>();
    static final BlockingQueue<String> drainedClosed = new LinkedBlockingQueue<>();
    static RawBackend drainedBackend;
    static final String TOKEN = "proxy-protocol-admin-token";
    static RawBackend checked;

    @BeforeAll
    static void start() throws Exception {
        stub = lb.stub("stub");
        h1 = lb.stub("h1");
        h2 = lb.stub("h2");
        // Records the v1 line and the head that follows, answers, and keeps the connection.
        v1 = lb.raw(s -> {
            String line = line(s.getInputStream());
            String head = v1.readHead(s);
            v1Received.add((line + head).getBytes(StandardCharsets.ISO_8859_1));
            answer(s, "v1");
            s.getInputStream().read();
        });
        // Records the 16-byte v2 header, its address block, and the head that follows.
        v2 = lb.raw(s -> {
            byte[] fixed = s.getInputStream().readNBytes(16);
            byte[] addresses = s.getInputStream().readNBytes(ByteBuffer.wrap(fixed, 14, 2).getShort() & 0xffff);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(fixed);
            all.writeBytes(addresses);
            all.writeBytes(v2.readHead(s).getBytes(StandardCharsets.ISO_8859_1));
            v2Received.add(all.toByteArray());
            answer(s, "v2");
            s.getInputStream().read();
        });
        // Keeps each connection: its header line, then each request's X-Forwarded-For, answered keep-alive.
        privateBackend = lb.raw(s -> {
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            privateConnections.add(seen);
            seen.add(line(s.getInputStream()));
            for (String head; (head = privateBackend.readHead(s)) != null; ) {
                seen.add(header(head, "x-forwarded-for"));
                answer(s, "private");
            }
        });
        // Keeps each connection, answering keep-alive; says when the connection opened and when it ended.
        drainedBackend = lb.raw(s -> {
            String header = line(s.getInputStream());
            drainedOpened.add(header);
            while (drainedBackend.readHead(s) != null) {
                answer(s, "drained");
            }
            drainedClosed.add(header);
        });
        // A backend that requires a header: a check that sends v2 LOCAL first is answered 200.
        checked = lb.raw(s -> {
            byte[] header = s.getInputStream().readNBytes(16);
            checkHeaders.add(header);
            if (Arrays.equals(header, v2(0x20, null, null, 0, 0)) && checked.readHead(s) != null) {
                answer(s, "checked");
            }
        });
        lb.config()
                .admin("token-file", lb.file("admin.token", TOKEN + "\n"))
                .listener("front", "stub", l -> l
                        .set("proxy-protocol", "{ accept: true, from: [127.0.0.1/32, '::1/128'] }")
                        .accessLog("enabled: true")
                        .route("/private/", "private")
                        .route("/drained/", "drained")
                        .route("/hash/", "hashed")
                        .route("/v1/", "v1"))
                .listener("untrusted", "stub", l -> l.set("proxy-protocol", "{ accept: true, from: [10.0.0.0/8] }"))
                .listener("plain", "v1", l -> l.route("/v2/", "v2"))
                .listener("toggle", "stub")
                .listener("hurried", "stub", l -> l.timeouts("header: 300ms")
                        .set("proxy-protocol", "{ accept: true, from: [127.0.0.1/32] }"))
                .pool("stub", p -> p.backend(stub))
                .pool("v1", p -> p.set("proxy-protocol", "v1").backend(v1))
                .pool("v2", p -> p.set("proxy-protocol", "v2").backend(v2))
                .pool("private", p -> p.set("proxy-protocol", "v1").backend(privateBackend))
                .pool("drained", p -> p.set("proxy-protocol", "v1").backend(drainedBackend))
                .pool("hashed", p -> p.strategy("consistent-hash").backends(h1, h2))
                .pool("checked", p -> p.set("proxy-protocol", "v2")
                        .health("path: /healthz, interval: 200ms, timeout: 1s, rise: 1, fall: 1")
                        .backend(checked));
        lb.start();
    }

    /** POST /api/v1/reload with the admin token (the drain test needs one configured). */
    static java.net.http.HttpResponse<String> reload() {
        return lb.admin().post("/api/v1/reload", TOKEN, null);
    }

    static void answer(Socket s, String name) throws IOException {
        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\nContent-Length: 2\r\n\r\nok")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** One line up to and including its CRLF. */
    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            sb.append((char) c);
            if (c == '\n') {
                break;
            }
        }
        return sb.toString();
    }

    static String header(String head, String name) {
        for (String l : head.split("\r\n")) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).equalsIgnoreCase(name)) {
                return l.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** A v2 header: signature, version and command byte, family, length, addresses and ports. */
    static byte[] v2(int versionCommand, byte[] src, byte[] dst, int srcPort, int dstPort) {
        int length = src == null ? 0 : 2 * src.length + 4;
        ByteBuffer b = ByteBuffer.allocate(16 + length);
        b.put(V2_SIGNATURE).put((byte) versionCommand);
        b.put((byte) (src == null ? 0x00 : src.length == 4 ? 0x11 : 0x21)).putShort((short) length);
        if (src != null) {
            b.put(src).put(dst).putShort((short) srcPort).putShort((short) dstPort);
        }
        return b.array();
    }

    static byte[] concat(byte[] a, String b) {
        byte[] tail = b.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = Arrays.copyOf(a, a.length + tail.length);
        System.arraycopy(tail, 0, out, a.length, tail.length);
        return out;
    }

    // A v1 header from a trusted source: the backend sees its client in X-Forwarded-For and Forwarded,
    // and the access log names it.
    // /status says which listeners read a header and from where, and which pools send one.
    @Test
    void statusShowsTheSettings() {
        JsonNode status = lb.admin().status();
        JsonNode untrusted = null;
        JsonNode plain = null;
        for (JsonNode l : status.path("listeners")) {
            if (l.path("name").asText().equals("untrusted")) {
                untrusted = l;
            } else if (l.path("name").asText().equals("plain")) {
                plain = l;
            }
        }
        assertThat(untrusted.path("proxyProtocol").path("from").toString()).isEqualTo("[\"10.0.0.0/8\"]");
        assertThat(plain.path("proxyProtocol").isNull()).isTrue();
        assertThat(status.path("pools").path("v1").path("proxyProtocol").asText()).isEqualTo("v1");
        assertThat(status.path("pools").path("v2").path("proxyProtocol").asText()).isEqualTo("v2");
        assertThat(status.path("pools").path("stub").path("proxyProtocol").isNull()).isTrue();
    }

    @Test
    void v1HeaderSetsTheClient() throws Exception {
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response r = c.send("PROXY TCP4 203.0.113.9 192.0.2.1 41000 443\r\n"
                    + "GET /who HTTP/1.1\r\nHost: x\r\nX-Request-Id: pp-v1-1\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-backend")).isEqualTo("stub");
        }
        assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("203.0.113.9");
        assertThat(stub.lastHeaders.get("forwarded")).isEqualTo("for=203.0.113.9;proto=http;host=\"x\"");
        Poll.until(Duration.ofSeconds(10), "the access log line of pp-v1-1", () -> lb.output().contains("pp-v1-1"));
        String line = Arrays.stream(lb.output().split("\n")).filter(l -> l.contains("pp-v1-1")).findFirst()
                .orElseThrow();
        assertThat(line).contains(" front 203.0.113.9 \"GET /who\" 200 ");
    }

    // A v2 header (TCP6, built here) sets an IPv6 client.
    @Test
    void v2HeaderSetsAnIpv6Client() throws Exception {
        byte[] src = java.net.InetAddress.getByName("2001:db8::7").getAddress();
        byte[] dst = java.net.InetAddress.getByName("2001:db8::1").getAddress();
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response r = c.send(concat(v2(0x21, src, dst, 50123, 443), GET)).read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    // curl's own v1 header (--haproxy-protocol) is accepted: the request is answered by the pool.
    @Test
    void curlWithAHeaderIsServed() throws Exception {
        Process curl = new ProcessBuilder("curl", "-s", "--max-time", "10", "--haproxy-protocol",
                "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + lb.port("front") + "/who")
                .redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(curl.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("200");
        assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("127.0.0.1");
        // Without the header, the same curl is closed unanswered (curl's 000: no response).
        Process plain = new ProcessBuilder("curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{http_code}", "http://127.0.0.1:" + lb.port("front") + "/who").redirectErrorStream(true).start();
        String refused = new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(plain.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(refused).isEqualTo("000");
        assertThat(plain.exitValue()).isEqualTo(52);
    }

    // v2 LOCAL (a front balancer's own check) is served with the connection's own address.
    @Test
    void v2LocalKeepsTheConnectionsAddress() throws Exception {
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response r = c.send(concat(v2(0x20, null, null, 0, 0), GET)).read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("127.0.0.1");
    }

    // A trusted source that sends a request without a header is closed unanswered, and counted.
    @Test
    void noHeaderIsClosed() throws Exception {
        double before = rejected("front", "missing");
        try (RawClient c = new RawClient(lb.port("front"))) {
            c.send(GET);
            assertThat(c.closedByPeer()).isTrue();
        }
        Poll.until(Duration.ofSeconds(5), "the missing header counted", () -> rejected("front", "missing") == before + 1);
    }

    // A malformed header is closed and counted as malformed.
    @Test
    void malformedHeaderIsClosed() throws Exception {
        double before = rejected("front", "malformed");
        try (RawClient c = new RawClient(lb.port("front"))) {
            c.send("PROXY TCP4 203.0.113.300 192.0.2.1 41000 443\r\n" + GET);
            assertThat(c.closedByPeer()).isTrue();
        }
        Poll.until(Duration.ofSeconds(5), "the malformed header counted",
                () -> rejected("front", "malformed") == before + 1);
    }

    // A trusted source that sends half a header is closed when the listener's header timeout runs out.
    @Test
    void headerMustArriveWithinTheHeaderTimeout() throws Exception {
        double before = rejected("hurried", "timeout");
        try (RawClient c = new RawClient(lb.port("hurried"), 5_000)) {
            c.send("PROXY TCP4 203.0.113.9 ");
            assertThat(c.closedByPeer()).isTrue();
        }
        Poll.until(Duration.ofSeconds(5), "the late header counted", () -> rejected("hurried", "timeout") == before + 1);
    }

    // Loopback is not in from: [10.0.0.0/8], so even a valid header is closed, unanswered.
    @Test
    void untrustedSourceIsClosed() throws Exception {
        double before = rejected("untrusted", "untrusted");
        try (RawClient c = new RawClient(lb.port("untrusted"))) {
            c.send("PROXY TCP4 203.0.113.9 192.0.2.1 41000 443\r\n" + GET);
            assertThat(c.closedByPeer()).isTrue();
        }
        int requests = stub.requests.get();
        Poll.until(Duration.ofSeconds(5), "the untrusted source counted",
                () -> rejected("untrusted", "untrusted") == before + 1);
        assertThat(stub.requests.get()).isEqualTo(requests);
    }

    // consistent-hash hashes the header's client: one address always lands on one backend, and the
    // addresses of one socket source spread over both.
    @Test
    void hashingUsesTheHeadersClient() throws Exception {
        Set<String> backends = new HashSet<>();
        for (int i = 1; i <= 20; i++) {
            String first = null;
            for (int k = 0; k < 2; k++) {
                try (RawClient c = new RawClient(lb.port("front"))) {
                    RawClient.Response r = c.send("PROXY TCP4 198.51.100." + i + " 192.0.2.1 4000" + k + " 443\r\n"
                            + "GET /hash/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertThat(r.status()).isEqualTo(200);
                    if (first == null) {
                        first = r.header("x-backend");
                    } else {
                        assertThat(r.header("x-backend")).isEqualTo(first);
                    }
                }
            }
            backends.add(first);
        }
        assertThat(backends).containsExactlyInAnyOrder("h1", "h2");
    }

    // v1 out: the backend receives exactly the text line of this client socket's address and port and the
    // listener's, then the request.
    @Test
    void v1HeaderOutIsExact() throws Exception {
        v1Received.clear();
        try (RawClient c = new RawClient(lb.port("plain"))) {
            assertThat(c.send(GET).read().header("x-backend")).isEqualTo("v1");
            String got = new String(v1Received.poll(10, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
            assertThat(got).startsWith("PROXY TCP4 127.0.0.1 127.0.0.1 " + c.socket().getLocalPort() + " "
                    + lb.port("plain") + "\r\nGET /who HTTP/1.1\r\n");
        }
    }

    // v2 out: exactly the binary header (PROXY, TCP4, 127.0.0.1 both ways, the client's port, the listener's).
    @Test
    void v2HeaderOutIsExact() throws Exception {
        v2Received.clear();
        try (RawClient c = new RawClient(lb.port("plain"))) {
            assertThat(c.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").read().header("x-backend")).isEqualTo("v2");
            byte[] got = v2Received.poll(10, TimeUnit.SECONDS);
            byte[] loopback = {127, 0, 0, 1};
            byte[] expected = v2(0x21, loopback, loopback, c.socket().getLocalPort(), lb.port("plain"));
            assertThat(Arrays.copyOf(got, expected.length)).isEqualTo(expected);
            assertThat(new String(got, expected.length, got.length - expected.length, StandardCharsets.ISO_8859_1))
                    .startsWith("GET /v2/ HTTP/1.1\r\n");
        }
    }

    // A header received goes on: the v1 pool behind a PROXY listener gets the header's addresses.
    @Test
    void receivedHeaderGoesOn() throws Exception {
        v1Received.clear();
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response r = c.send("PROXY TCP4 203.0.113.50 192.0.2.1 41000 443\r\n"
                    + "GET /v1/ HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.header("x-backend")).isEqualTo("v1");
        }
        assertThat(new String(v1Received.poll(10, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1))
                .startsWith("PROXY TCP4 203.0.113.50 192.0.2.1 41000 443\r\nGET /v1/ HTTP/1.1\r\n");
    }

    // Two clients' keep-alive requests, interleaved: each backend connection carries one client's header and
    // only that client's requests; the second request of each reuses its own connection.
    @Test
    void pooledConnectionsAreNotSharedBetweenClients() throws Exception {
        privateConnections.clear();
        try (RawClient a = new RawClient(lb.port("front"));
             RawClient b = new RawClient(lb.port("front"))) {
            a.send("PROXY TCP4 203.0.113.1 192.0.2.1 40001 443\r\n");
            b.send("PROXY TCP4 203.0.113.2 192.0.2.1 40002 443\r\n");
            String request = "GET /private/ HTTP/1.1\r\nHost: x\r\n\r\n";
            for (int round = 0; round < 2; round++) {
                assertThat(a.send(request).read().header("x-backend")).isEqualTo("private");
                assertThat(b.send(request).read().header("x-backend")).isEqualTo("private");
            }
        }
        assertThat(privateConnections).containsExactlyInAnyOrder(
                List.of("PROXY TCP4 203.0.113.1 192.0.2.1 40001 443\r\n", "203.0.113.1", "203.0.113.1"),
                List.of("PROXY TCP4 203.0.113.2 192.0.2.1 40002 443\r\n", "203.0.113.2", "203.0.113.2"));
    }

    // A backend drained through the admin API loses its idle connections at once, those private to a client
    // too; the client's connection stays, and its next request, once the backend is enabled again, goes on
    // a new backend connection with the header again.
    @Test
    void drainingClosesTheIdlePrivateConnections() throws Exception {
        String header = "PROXY TCP4 203.0.113.7 192.0.2.1 40007 443\r\n";
        String request = "GET /drained/ HTTP/1.1\r\nHost: x\r\n\r\n";
        String backend = "/api/v1/pools/drained/backends/" + drainedBackend.address();
        try (RawClient c = new RawClient(lb.port("front"))) {
            c.send(header);
            assertThat(c.send(request).read().header("x-backend")).isEqualTo("drained");
            assertThat(drainedOpened.poll(10, TimeUnit.SECONDS)).isEqualTo(header);

            assertThat(lb.admin().post(backend + "/drain", TOKEN, null).statusCode()).isEqualTo(200);
            assertThat(drainedClosed.poll(10, TimeUnit.SECONDS)).isEqualTo(header);
            assertThat(lb.admin().post(backend + "/enable", TOKEN, null).statusCode()).isEqualTo(200);

            assertThat(c.send(request).read().header("x-backend")).isEqualTo("drained");
            assertThat(drainedOpened.poll(10, TimeUnit.SECONDS)).isEqualTo(header);
        }
        assertThat(drainedClosed.poll(10, TimeUnit.SECONDS)).isEqualTo(header);
        assertThat(drainedBackend.connections.get()).isEqualTo(2);
    }

    // The health check of a v2 pool starts with v2 LOCAL, so a backend that requires a header is up.
    @Test
    void checksSendTheirHeader() throws Exception {
        byte[] first = checkHeaders.poll(10, TimeUnit.SECONDS);
        assertThat(first).isEqualTo(v2(0x20, null, null, 0, 0));
        Poll.until(Duration.ofSeconds(10), "the checked backend up",
                () -> lb.admin().backend("checked", checked.address()).path("state").asText().equals("up"));
    }

    // tandem check lists every PROXY protocol problem with its position and key path, and exits 2.
    @Test
    void checkReportsEveryProblem() throws Exception {
        // Deliberately broken: written as it is, not through TandemConfig.
        java.nio.file.Path file = lb.file("broken-proxy.yaml", String.join("\n",
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web, proxy-protocol: { accept: true } }",
                "  - { bind: 127.0.0.1:8081, pool: web, proxy-protocol: { accept: true, from: [] } }",
                "  - { bind: 127.0.0.1:8082, pool: web, proxy-protocol: { accept: true, from: [10.0.0.0/33, fd00::, 10.0.0.1] } }",
                "  - { bind: 127.0.0.1:8083, pool: web, proxy-protocol: { from: [10.0.0.0/8] } }",
                "pools:",
                "  web:",
                "    proxy-protocol: v3",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                ""));
        TandemFixture.Result r = lb.runToEnd(java.util.Map.of(), "check", "-c", file.toString());
        String f = file.toString();
        assertThat(r.output()).isEqualTo(String.join("\n",
                f + ":2:40: listeners[0].proxy-protocol: accept: true needs from, the address ranges of the balancers "
                        + "that send the header (e.g. from: [10.0.0.0/8])",
                f + ":3:78: listeners[1].proxy-protocol.from: needs at least one address range",
                f + ":4:79: listeners[2].proxy-protocol.from[0]: prefix length 33 of '10.0.0.0/33' is out of range; "
                        + "expected 0-32",
                f + ":4:92: listeners[2].proxy-protocol.from[1]: expected an address range such as 10.0.0.0/8, "
                        + "found a map; quote IPv6 ranges ('fd00::/8')",
                f + ":4:100: listeners[2].proxy-protocol.from[2]: '10.0.0.1' has no prefix length; expected an "
                        + "address range such as 10.0.0.0/8 or fd00::/8 (/32 or /128 for one address)",
                f + ":5:64: listeners[3].proxy-protocol.from: only applies with accept: true",
                f + ":8:21: pools.web.proxy-protocol: 'v3' is not a PROXY protocol version; did you mean 'v1'? "
                        + "expected v1 or v2",
                "7 problems", ""));
        assertThat(r.exit()).isEqualTo(2);
    }

    // A reload that breaks proxy-protocol is refused with its problems; the listener goes on reading headers.
    @Test
    void invalidReloadKeepsTheOldConfig() throws Exception {
        java.nio.file.Path config = lb.configFile();
        String good = lb.config().render();
        lb.writeConfig(good.replace("from: [127.0.0.1/32, '::1/128']", "from: []"));
        try {
            java.net.http.HttpResponse<String> r = reload();
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).contains("\"applied\" : false")
                    .contains(config + ":").contains("listeners[0].proxy-protocol.from: needs at least one address range");
        } finally {
            lb.writeConfig();
        }
        try (RawClient c = new RawClient(lb.port("front"))) {
            RawClient.Response r = c.send("PROXY TCP4 203.0.113.77 192.0.2.1 41000 443\r\n" + GET).read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("203.0.113.77");
    }

    // A reload turns accept on for new connections; a connection opened before keeps being served without one.
    @Test
    void reloadAppliesToNewConnections() throws Exception {
        try (RawClient before = new RawClient(lb.port("toggle"))) {
            assertThat(before.send(GET).read().status()).isEqualTo(200);
            lb.config().listener("toggle").set("proxy-protocol", "{ accept: true, from: [127.0.0.1/32] }");
            lb.writeConfig();
            try {
                assertThat(reload().statusCode()).isEqualTo(200);
                try (RawClient plain = new RawClient(lb.port("toggle"))) {
                    plain.send(GET);
                    assertThat(plain.closedByPeer()).isTrue();
                }
                try (RawClient proxied = new RawClient(lb.port("toggle"))) {
                    RawClient.Response r = proxied.send("PROXY TCP4 203.0.113.88 192.0.2.1 41000 443\r\n" + GET)
                            .read();
                    assertThat(r.status()).isEqualTo(200);
                }
                assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("203.0.113.88");
                assertThat(before.send(GET).read().status()).isEqualTo(200);
                assertThat(stub.lastHeaders.get("x-forwarded-for")).isEqualTo("127.0.0.1");
            } finally {
                lb.config().listener("toggle").set("proxy-protocol", "{ accept: false }");
                lb.writeConfig();
                assertThat(reload().statusCode()).isEqualTo(200);
            }
        }
    }

    private static double rejected(String listener, String reason) {
        PrometheusText m = lb.admin().metrics();
        return m.has("tandem_proxy_protocol_rejected_total", "listener", listener, "reason", reason)
                ? m.value("tandem_proxy_protocol_rejected_total", "listener", listener, "reason", reason) : 0;
    }
}
