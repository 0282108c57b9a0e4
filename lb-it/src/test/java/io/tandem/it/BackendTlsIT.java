package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTPS to backends: one Tandem node whose pools speak TLS to real HTTPS
 * stubs (the JDK's server, with certificates {@link TestPki} makes with the
 * openssl command line). Each pool has its own listener and answers what its
 * TLS settings allow: verified with the right CA, refused with a wrong CA or
 * a certificate for another name, accepted unverified, SNI and mutual TLS as
 * the backend saw them. A second node shows reloads, and {@code tandem check}
 * the file problems.
 */
class BackendTlsIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Checks every 200ms; one result decides, so a state is reached within a few hundred milliseconds. */
    static final String CHECKS = "path: /health, interval: 200ms, timeout: 1s, rise: 1, fall: 1";

    static TestPki pki;
    static TestPki otherPki;
    static TestPki.Issued lbClient;
    static StubBackend verified;
    static StubBackend untrusted;
    static StubBackend named;
    static StubBackend byName;
    static StubBackend wrongName;
    static StubBackend mutual;
    /** Accepts connections and reads, but never answers: a TLS handshake to it never ends. */
    static RawBackend silent;
    /**
     * Reads a PROXY v2 header in the clear, then speaks TLS; answers with the
     * header's command and source, as it saw them, in its body.
     */
    static RawBackend proxied;
    static SSLContext proxiedTls;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(lb.dir().resolve("pki"), "backends");
        otherPki = new TestPki(lb.dir().resolve("other"), "other");
        lbClient = pki.client("lb-client", TestPki.KeyType.ECDSA, "tandem-lb");
        verified = lb.httpsStub("verified", new StubTls(pki.server("verified", TestPki.KeyType.ECDSA, 30,
                "127.0.0.1")));
        untrusted = lb.httpsStub("untrusted", new StubTls(otherPki.server("untrusted", TestPki.KeyType.RSA, 30,
                "127.0.0.1")));
        named = lb.httpsStub("named", new StubTls(pki.server("named", TestPki.KeyType.ECDSA, 30,
                "app.internal")));
        byName = lb.httpsStub("by-name", new StubTls(pki.server("by-name", TestPki.KeyType.RSA, 30,
                "localhost")));
        wrongName = lb.httpsStub("wrong-name", new StubTls(pki.server("wrong-name", TestPki.KeyType.ECDSA, 30,
                "other.internal")));
        mutual = lb.httpsStub("mutual", new StubTls(pki.server("mutual", TestPki.KeyType.RSA, 30, "127.0.0.1"),
                pki.ca().cert()));
        silent = lb.raw(s -> s.getInputStream().readAllBytes());
        proxiedTls = new StubTls(pki.server("proxied", TestPki.KeyType.ECDSA, 30, "127.0.0.1")).context();
        proxied = lb.raw(s -> {
            byte[] fixed = s.getInputStream().readNBytes(16);
            byte[] addresses = s.getInputStream().readNBytes(((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff));
            String seen = (fixed[12] == 0x20 ? "LOCAL" : fixed[12] == 0x21 ? "PROXY" : "command " + fixed[12])
                    + (addresses.length == 12 ? " from " + InetAddress.getByAddress(Arrays.copyOf(addresses, 4))
                    .getHostAddress() + ":" + (((addresses[8] & 0xff) << 8) | (addresses[9] & 0xff)) : "");
            try (SSLSocket tls = (SSLSocket) proxiedTls.getSocketFactory().createSocket(s, null, true)) {
                if (proxied.readHead(tls) != null) {
                    byte[] body = seen.getBytes(StandardCharsets.US_ASCII);
                    tls.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    tls.getOutputStream().write(body);
                    tls.getOutputStream().flush();
                }
            }
        });
        String ca = pki.ca().cert().toString();
        lb.config()
                .listener("verified", "verified")
                .pool("verified", p -> p.set("tls", "{ ca: " + ca + " }").health(CHECKS).backend(verified))
                .listener("wrong-ca", "wrong-ca")
                .pool("wrong-ca", p -> p.set("tls", "{ ca: " + otherPki.ca().cert() + " }").health(CHECKS)
                        .backend(verified))
                .listener("insecure", "insecure")
                .pool("insecure", p -> p.set("tls", "{ verify: false }").health(CHECKS).backend(untrusted))
                .listener("sni", "sni")
                .pool("sni", p -> p.set("tls", "{ ca: " + ca + ", sni: app.internal }").health(CHECKS)
                        .backend(named))
                .listener("by-name", "by-name")
                .pool("by-name", p -> p.set("tls", "{ ca: " + ca + " }").health(CHECKS)
                        .backend("localhost:" + byName.port()))
                .listener("wrong-name", "wrong-name")
                .pool("wrong-name", p -> p.set("tls", "{ ca: " + ca + " }").health(CHECKS).backend(wrongName))
                .listener("mutual", "mutual")
                .pool("mutual", p -> p.set("tls", "{ ca: " + ca + ", cert: " + lbClient.cert() + ", key: "
                        + lbClient.key() + " }").health(CHECKS).backend(mutual))
                .listener("tcp-check", "tcp-check")
                .pool("tcp-check", p -> p.set("tls", "{ ca: " + ca + " }")
                        .health("type: tcp, interval: 200ms, timeout: 1s, rise: 1, fall: 1").backend(verified))
                .listener("tcp-check-wrong-ca", "tcp-check-wrong-ca")
                .pool("tcp-check-wrong-ca", p -> p.set("tls", "{ ca: " + otherPki.ca().cert() + " }")
                        .health("type: tcp, interval: 200ms, timeout: 1s, rise: 1, fall: 1").backend(verified))
                .listener("no-client-cert", "no-client-cert")
                .pool("no-client-cert", p -> p.set("tls", "{ ca: " + ca + " }").health(CHECKS).backend(mutual))
                // Passive checks only: the untrusted backend is found out by requests, which go on to the other.
                .listener("retry", "retry")
                .pool("retry", p -> p.set("tls", "{ ca: " + ca + " }").retries(1)
                        .outlier("consecutive-failures: 2, ejection-time: 1m").backends(untrusted, verified))
                .listener("proxied", "proxied")
                .pool("proxied", p -> p.set("tls", "{ ca: " + ca + " }").set("proxy-protocol", "v2").health(CHECKS)
                        .backend(proxied.address()))
                .listener("stalled", "stalled")
                .pool("stalled", p -> p.set("tls", "{ ca: " + ca + " }").retries(0)
                        .timeouts("connect: 300ms").backend(silent.address()))
                .listener("stalled-check", "stalled-check")
                .pool("stalled-check", p -> p.set("tls", "{ ca: " + ca + " }")
                        .health("path: /health, interval: 200ms, timeout: 500ms, rise: 1, fall: 1")
                        .backend(silent.address()));
        lb.start();
    }

    private static HttpResponse<String> get(String listener, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.uri(listener, path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static JsonNode awaitState(String pool, String address, String state) {
        Poll.until(Duration.ofSeconds(10), pool + " backend " + address + " " + state,
                () -> lb.admin().backend(pool, address).path("state").asText().equals(state));
        return lb.admin().backend(pool, address);
    }

    // With the CA that signed the backend's certificate (for its IP address), requests and checks pass over TLS.
    @Test
    void verifiedBackendAnswers() throws Exception {
        JsonNode status = awaitState("verified", verified.address(), "up");
        assertThat(status.path("lastCheck").path("result").asText()).isEqualTo("pass");
        assertThat(status.path("lastCheck").path("detail").asText()).isEqualTo("HTTP 200");
        HttpResponse<String> r = get("verified", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from verified");
        // An IP address is never sent as SNI; no client certificate was configured.
        assertThat(header(r, "X-Seen-Sni")).isEqualTo("none");
        assertThat(header(r, "X-Seen-Client-Cert")).isEqualTo("none");
    }

    // With the PROXY protocol too, the header goes out in the clear before the handshake, as HAProxy sends
    // it: the check's connection starts with v2 LOCAL, a request's with the client's address, then TLS.
    @Test
    void proxyHeaderPrecedesTheHandshake() throws Exception {
        JsonNode status = awaitState("proxied", proxied.address(), "up");
        assertThat(status.path("lastCheck").path("detail").asText()).isEqualTo("HTTP 200");
        JsonNode pool = lb.admin().status().path("pools").path("proxied");
        assertThat(pool.path("proxyProtocol").asText()).isEqualTo("v2");
        assertThat(pool.path("tls").path("verify").asBoolean()).isTrue();
        assertThat(pool.path("tls").path("ca").asText()).isEqualTo(pki.ca().cert().toString());
        assertThat(pool.path("tls").path("sni").isNull()).isTrue();
        assertThat(pool.path("tls").path("clientCertificate").isNull()).isTrue();
        assertThat(lb.admin().status().path("pools").path("verified").path("proxyProtocol").isNull()).isTrue();
        try (RawClient c = new RawClient(lb.port("proxied"))) {
            RawClient.Response r = c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("PROXY from 127.0.0.1:" + c.socket().getLocalPort());
        }
    }

    // Keep-alive works over TLS: one client connection's requests reuse one backend connection.
    @Test
    void backendConnectionIsKeptAlive() throws Exception {
        awaitState("verified", verified.address(), "up");
        try (RawClient c = new RawClient(lb.port("verified"))) {
            String first = null;
            for (int i = 0; i < 3; i++) {
                RawClient.Response response = c.send("GET /same HTTP/1.1\r\nHost: t\r\n\r\n").read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("hello from verified");
                String port = response.header("X-Seen-Peer-Port");
                first = first == null ? port : first;
                assertThat(port).as("backend connection of request %d", i).isEqualTo(first);
            }
        }
    }

    // A 1 MiB body with a Content-Length (forwarded as raw bytes) arrives whole through the TLS layer.
    @Test
    void largeBodyPassesThroughTheRawPath() throws Exception {
        awaitState("verified", verified.address(), "up");
        int size = 1 << 20;
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(lb.uri("verified", "/sized?bytes=" + size))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(size);
        for (int i = 0; i < size; i++) {
            if (r.body()[i] != StubBackend.pattern(i)) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
    }

    // A CA that did not sign the backend's certificate: the check fails saying so, the backend is down, 503.
    @Test
    void wrongCaFailsTheCheck() throws Exception {
        JsonNode status = awaitState("wrong-ca", verified.address(), "down");
        String reason = "TLS handshake failed: certificate verify failed: PKIX path building failed: unable to find "
                + "valid certification path to requested target";
        assertThat(status.path("lastCheck").path("result").asText()).isEqualTo("fail");
        assertThat(status.path("lastCheck").path("detail").asText()).isEqualTo(reason);
        assertThat(lb.output()).contains("pool wrong-ca backend " + verified.address() + " unchecked -> down: "
                + "first check failed: " + reason);
        HttpResponse<String> r = get("wrong-ca", "/");
        assertThat(r.statusCode()).isEqualTo(503);
    }

    // A TCP check of a pool with TLS passes only with a completed, verified handshake.
    @Test
    void tcpCheckMakesTheHandshake() throws Exception {
        JsonNode up = awaitState("tcp-check", verified.address(), "up");
        assertThat(up.path("lastCheck").path("detail").asText()).isEqualTo("connected, TLS handshake done");
        JsonNode down = awaitState("tcp-check-wrong-ca", verified.address(), "down");
        assertThat(down.path("lastCheck").path("detail").asText()).isEqualTo("TLS handshake failed: certificate "
                + "verify failed: PKIX path building failed: unable to find valid certification path to requested "
                + "target");
    }

    // verify: false accepts a certificate of a CA nobody trusts.
    @Test
    void unverifiedTlsAcceptsAnyCertificate() throws Exception {
        awaitState("insecure", untrusted.address(), "up");
        HttpResponse<String> r = get("insecure", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from untrusted");
    }

    // The sni name is sent, and the certificate is verified against it, not against the backend's IP address.
    @Test
    void sniNameIsSentAndVerified() throws Exception {
        awaitState("sni", named.address(), "up");
        HttpResponse<String> r = get("sni", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from named");
        assertThat(header(r, "X-Seen-Sni")).isEqualTo("app.internal");
    }

    // Without sni, a backend written by host name gets that name as SNI and is verified against it.
    @Test
    void backendHostNameIsTheDefaultSni() throws Exception {
        awaitState("by-name", "localhost:" + byName.port(), "up");
        HttpResponse<String> r = get("by-name", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from by-name");
        assertThat(header(r, "X-Seen-Sni")).isEqualTo("localhost");
    }

    // A certificate of the right CA for another name fails verification: endpoint identification is on.
    @Test
    void certificateForAnotherNameFails() throws Exception {
        JsonNode status = awaitState("wrong-name", wrongName.address(), "down");
        // (What follows "found" says more, and differs between JDK releases.)
        assertThat(status.path("lastCheck").path("detail").asText()).startsWith("TLS handshake failed: certificate "
                + "verify failed: No subject alternative names matching IP address 127.0.0.1 found");
        assertThat(get("wrong-name", "/").statusCode()).isEqualTo(503);
    }

    // A backend that requires a client certificate of its CA accepts Tandem's.
    @Test
    void mutualTlsPresentsTheClientCertificate() throws Exception {
        awaitState("mutual", mutual.address(), "up");
        HttpResponse<String> r = get("mutual", "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from mutual");
        assertThat(header(r, "X-Seen-Client-Cert")).isEqualTo("CN=tandem-lb");
    }

    // Without a client certificate, the backend that requires one refuses Tandem: the check fails, 503.
    // In TLS 1.3 the server judges the client's certificate after the client's handshake ended, and refuses
    // by closing (OpenSSL's engine reports the alert as a close), so that is what the check can say.
    @Test
    void missingClientCertificateIsRefused() throws Exception {
        JsonNode status = awaitState("no-client-cert", mutual.address(), "down");
        assertThat(status.path("lastCheck").path("detail").asText()).isEqualTo("connection closed before the "
                + "response");
        assertThat(get("no-client-cert", "/").statusCode()).isEqualTo(503);
    }

    // A failed handshake is a failed connect: the request goes to the other backend, and passive checks eject.
    @Test
    void failedHandshakeIsRetriedAndEjects() throws Exception {
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = get("retry", "/");
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(r.body()).as("request %d", i).isEqualTo("hello from verified");
        }
        assertThat(lb.admin().backend("retry", untrusted.address()).path("state").asText()).isEqualTo("ejected");
        assertThat(lb.output()).contains("pool retry backend " + untrusted.address() + " up -> ejected: ejected "
                + "for 1m after 2 consecutive connection failures (last: TLS handshake failed: certificate verify "
                + "failed: PKIX path building failed: unable to find valid certification path to requested target)");
        // Each failed request's handshake is logged, once a minute per backend: here two failures, one line.
        String line = "pool retry backend " + untrusted.address() + ": TLS handshake failed: certificate verify failed: "
                + "PKIX path building failed: unable to find valid certification path to requested target (logged "
                + "at most once a minute per backend)";
        assertThat(lb.output().split(java.util.regex.Pattern.quote(line), -1)).hasSize(2);
    }

    // A handshake that never ends is a connect timeout: the connect timeout covers it (504), and a check says so.
    @Test
    void stalledHandshakeTimesOut() throws Exception {
        HttpResponse<String> r = get("stalled", "/");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).isEqualTo("The backend did not accept a connection in time.\n");
        // The check before the listener accepts runs with a 2 s floor on its timeout ("no TLS handshake within
        // 2s"); the pool's own checks, every 200 ms, with its 500 ms. Wait for one of those.
        awaitState("stalled-check", silent.address(), "down");
        Poll.until(Duration.ofSeconds(10), "a check of stalled-check with the pool's timeout", () -> lb.admin()
                .backend("stalled-check", silent.address()).path("lastCheck").path("detail").asText()
                .endsWith("500ms"));
        JsonNode status = lb.admin().backend("stalled-check", silent.address());
        assertThat(status.path("state").asText()).isEqualTo("down");
        assertThat(status.path("lastCheck").path("result").asText()).isEqualTo("timeout");
        assertThat(status.path("lastCheck").path("detail").asText()).isEqualTo("no TLS handshake within 500ms");
    }

    // A reload rebuilds the TLS context from the files: a fixed CA brings the backend up; a bad file is refused
    // and the running TLS stays.
    @Test
    void reloadRebuildsTheContextAndKeepsItOnFailure() throws Exception {
        TandemFixture.Node node = lb.node("reloading");
        node.config().listener("web", "web").pool("web", p -> p.set("tls", "{ ca: " + otherPki.ca().cert() + " }")
                .health(CHECKS).backend(verified));
        node.start();
        Poll.until(Duration.ofSeconds(10), "backend down with the wrong CA",
                () -> node.admin().backend("web", verified.address()).path("state").asText().equals("down"));

        node.config().pool("web").set("tls", "{ ca: " + pki.ca().cert() + " }");
        node.writeConfig();
        HttpResponse<String> applied = node.reload();
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "backend up with the right CA",
                () -> node.admin().backend("web", verified.address()).path("state").asText().equals("up"));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(node.uri("web", "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("hello from verified");

        Path missing = lb.dir().resolve("missing-ca.pem");
        node.config().pool("web").set("tls", "{ ca: " + missing + " }");
        node.writeConfig();
        HttpResponse<String> refused = node.reload();
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("pools.web.tls.ca: cannot read " + missing + ": no such file");
        HttpResponse<String> still = client.send(HttpRequest.newBuilder(node.uri("web", "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(still.statusCode()).isEqualTo(200);
        assertThat(still.body()).isEqualTo("hello from verified");
    }

    // tandem check reads the TLS files: each problem at its value, with the file and what is expected.
    @Test
    void checkReportsTlsFileProblems() throws Exception {
        TestPki.Issued other = otherPki.server("other", TestPki.KeyType.ECDSA, 30, "x.internal");
        Path missing = lb.dir().resolve("nope.pem");
        Path file = lb.file("bad-tls.yaml", String.join("\n",
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: a }",
                "pools:",
                "  a:",
                "    tls: { ca: " + missing + " }",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "  b:",
                "    tls: { cert: " + lbClient.cert() + ", key: " + other.key() + " }",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "  c:",
                "    tls: { cert: " + lbClient.cert() + " }",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                ""));
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        int keyColumn = ("    tls: { cert: " + lbClient.cert() + ", key: ").length() + 1;
        assertThat(r.output()).isEqualTo(String.join("\n",
                file + ":5:16: pools.a.tls.ca: cannot read " + missing + ": no such file; expected a PEM file of "
                        + "the CA certificates that backends' certificates chain to",
                file + ":8:" + keyColumn + ": pools.b.tls.key: " + other.key() + " does not match the certificate in "
                        + lbClient.cert() + " (another key pair); expected the unencrypted PKCS#8 PEM key "
                        + "(-----BEGIN PRIVATE KEY-----) of " + lbClient.cert(),
                file + ":11:18: pools.c.tls.cert: needs key: the private key of this client certificate",
                "3 problems",
                ""));
        assertThat(r.exit()).isEqualTo(2);
    }
}
