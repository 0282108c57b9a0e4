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

    @BeforeAll
    static void start() throws Exception {
        StubBackend web = lb.stub("web");
        StubBackend api = lb.stub("api");
        StubBackend exact = lb.stub("exact");
        StubBackend canary = lb.stub("canary");
        StubBackend beta = lb.stub("beta");
        StubBackend regex = lb.stub("regex");
        StubBackend second = lb.stub("second");
        StubBackend old = lb.stub("old");
        lb.config()
                .listener("front", "web", l -> l
                        .routeMap("{ match: { host: '*.example.com', path: { prefix: /api/ } }, pool: api }")
                        .routeMap("{ match: { path: { exact: /exact }, method: [POST] }, pool: exact }")
                        .routeMap("{ match: { headers: [ { name: X-Canary, equals: '1' } ] }, pool: canary }")
                        .routeMap("{ match: { query: [ { name: beta } ] }, pool: beta }")
                        .routeMap("{ match: { path: { regex: '^/u/[0-9]+$' } }, pool: regex }")
                        .routeMap("{ match: { source: [127.0.0.2/32] }, pool: second }")
                        .route("/old/", "old"))
                .pool("web", p -> p.backend(web))
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
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), lb.port("front")));
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
}
