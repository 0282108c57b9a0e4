package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A TLS listener's {@code redirect-http} (a plain listener that sends every request to https) and its
 * {@code hsts} header, against the built jar with raw sockets, curl and Java's SSLSocket.
 */
class TlsRedirectIT {

    private static final String HSTS_180D = "max-age=15552000";

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki pki;
    private TestPki.Issued wild;
    private int plainPort;

    @BeforeEach
    void certificates() throws IOException {
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        wild = pki.server("wild", TestPki.KeyType.ECDSA, 30, "*.example.com");
        plainPort = Ports.free();
    }

    private void start(String pool) throws IOException {
        lb.config().listener("web", pool, l -> l.set("tls", "{ certificates: [ { cert: " + wild.cert() + ", key: "
                + wild.key() + " } ] }").set("redirect-http", "{ from: 127.0.0.1:" + plainPort + " }")
                .set("hsts", "180d"));
        lb.start();
    }

    // GET and HEAD get 301, other methods 308, to the same path and query over https, on one kept-alive
    // connection; the redirect carries no HSTS; a bad Host gets 400 and the connection closes.
    @Test
    void redirectsEveryRequestToHttps() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().pool("web", p -> p.backend(a));
        start("web");
        int https = lb.port("web");
        try (RawClient plain = new RawClient(plainPort)) {
            RawClient.Response get = plain.send("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: shop.example.com:" + plainPort
                    + "\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(301);
            assertThat(get.header("Location")).isEqualTo("https://shop.example.com:" + https + "/a/b?x=1&y=2");
            assertThat(get.header("Content-Length")).isEqualTo("0");
            assertThat(get.header("Strict-Transport-Security")).isNull();

            RawClient.Response head = plain.send("HEAD / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").read(true);
            assertThat(head.status()).isEqualTo(301);
            assertThat(head.header("Location")).isEqualTo("https://shop.example.com:" + https + "/");

            RawClient.Response post = plain.send("POST /form HTTP/1.1\r\nHost: shop.example.com\r\n"
                    + "Content-Length: 5\r\n\r\nhello").read();
            assertThat(post.status()).isEqualTo(308);
            assertThat(post.header("Location")).isEqualTo("https://shop.example.com:" + https + "/form");

            RawClient.Response bad = plain.send("GET / HTTP/1.1\r\nHost: evil.test/path\r\n\r\n").read();
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).isEqualTo("A redirect to https needs a valid Host header and request-target.\n");
            assertThat(plain.closedByPeer()).isTrue();
        }
    }

    // curl follows the redirect to the TLS listener, whose answer from the backend carries the HSTS header.
    @Test
    void curlFollowsTheRedirectAndGetsHsts() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().pool("web", p -> p.backend(a));
        start("web");
        int https = lb.port("web");
        List<String> command = List.of("curl", "-sS", "-L", "-D", "-", "-o", "/dev/null", "--cacert",
                pki.ca().cert().toString(), "--resolve", "shop.example.com:" + plainPort + ":127.0.0.1", "--resolve",
                "shop.example.com:" + https + ":127.0.0.1", "http://shop.example.com:" + plainPort + "/start");
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String heads = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.exitValue()).as(heads).isZero();
        String[] responses = heads.split("(?<=\r\n)\r\n"); // each head keeps the CRLF of its last line
        assertThat(responses[0]).startsWith("HTTP/1.1 301 ").containsIgnoringCase(
                "location: https://shop.example.com:" + https + "/start\r\n")
                .doesNotContainIgnoringCase("strict-transport-security");
        // The redirected request goes over TLS, where curl and the listener agree on h2 by ALPN.
        assertThat(responses[1]).startsWith("HTTP/2 200 ").containsIgnoringCase("x-backend: a\r\n")
                .containsIgnoringCase("strict-transport-security: " + HSTS_180D + "\r\n");
    }

    // The backend's own Strict-Transport-Security wins; Tandem's own 502 over TLS carries the listener's.
    @Test
    void backendHstsWinsAndLocalErrorsCarryIt() throws Exception {
        RawBackend own = lb.raw(s -> {
            readHead(s); // one response per connection

            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nStrict-Transport-Security: max-age=60; "
                    + "includeSubDomains\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
        lb.config().pool("own", p -> p.backend(own.address()))
                .pool("gone", p -> p.backend(TandemFixture.unusedAddress()).retries(0))
                .listener("gone", "gone", l -> l.set("tls", "{ certificates: [ { cert: " + wild.cert()
                        + ", key: " + wild.key() + " } ] }").set("hsts", "1d"));
        start("own");
        SSLContext client = TlsClients.trusting(pki.ca().cert());
        try (SSLSocket socket = TlsClients.connect(client, lb.port("web"), "shop.example.com");
             RawClient raw = new RawClient(socket)) {
            RawClient.Response r = raw.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Strict-Transport-Security")).isEqualTo("max-age=60; includeSubDomains");
        }
        try (SSLSocket socket = TlsClients.connect(client, lb.port("gone"), "shop.example.com");
             RawClient raw = new RawClient(socket)) {
            RawClient.Response r = raw.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Strict-Transport-Security")).isEqualTo("max-age=86400");
        }
    }

    // A reload without redirect-http closes its port; one that adds it back on another port opens that one.
    @Test
    void reloadClosesAndOpensTheRedirect() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().pool("web", p -> p.backend(a));
        start("web");
        lb.config().listener("web").unset("redirect-http");
        lb.writeConfig();
        HttpResponse<String> removed = lb.reload();
        assertThat(removed.body()).contains("-redirect-http web on 127.0.0.1:" + plainPort);
        assertThatThrownBy(() -> new RawClient(plainPort).close()).isInstanceOf(ConnectException.class);

        int other = Ports.free();
        lb.config().listener("web").set("redirect-http", "{ from: 127.0.0.1:" + other + " }");
        lb.writeConfig();
        assertThat(lb.reload().body()).contains("+redirect-http web on 127.0.0.1:" + other);
        try (RawClient plain = new RawClient(other)) {
            RawClient.Response get = plain.send("GET /x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(301);
            assertThat(get.header("Location")).isEqualTo("https://shop.example.com:" + lb.port("web") + "/x");
        }
    }

    /** Reads a request head (to its empty line) from a backend's socket. */
    private static void readHead(java.net.Socket s) throws IOException {
        var in = s.getInputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before the end of the request head");
            }
            matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }
}
