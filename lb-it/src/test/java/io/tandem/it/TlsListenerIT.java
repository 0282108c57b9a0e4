package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS termination on a listener, with real handshakes by {@code openssl s_client}, curl and Java's
 * SSLSocket against the built jar: SNI choice, strict SNI, ALPN, protocol versions and ciphers, the
 * forwarding headers, and certificates swapped by reload while a connection stays open.
 */
class TlsListenerIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki pki;
    private TestPki.Issued site;
    private TestPki.Issued wild;

    @BeforeEach
    void certificates() throws IOException {
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        wild = pki.server("wild", TestPki.KeyType.RSA, 30, "*.example.com");
    }

    private static String certificates(TestPki.Issued... issued) {
        List<String> items = new ArrayList<>();
        for (TestPki.Issued i : issued) {
            items.add("{ cert: " + i.cert() + ", key: " + i.key() + " }");
        }
        return "certificates: [ " + String.join(", ", items) + " ]";
    }

    private void start(StubBackend backend, String tls) throws IOException {
        lb.config().listener("web", "web", l -> l.set("tls", "{ " + tls + " }"))
                .pool("web", p -> p.backend(backend));
        lb.start();
    }

    private TlsClients.SClient sClient(String... args) throws IOException {
        return TlsClients.sClient(lb.port("web"), args);
    }

    // SNI picks the exact name, then a one-label wildcard; no SNI, a deeper name or an unknown one gets the first.
    @Test
    void sniPicksExactThenWildcardElseDefault() throws Exception {
        start(lb.stub("a"), certificates(site, wild));
        assertThat(sClient("-servername", "a.example.com").subject()).isEqualTo("CN = a.example.com");
        assertThat(sClient("-servername", "shop.example.com").subject()).isEqualTo("CN = *.example.com");
        assertThat(sClient("-servername", "a.b.example.com").subject()).isEqualTo("CN = a.example.com");
        assertThat(sClient("-servername", "other.test").subject()).isEqualTo("CN = a.example.com");
        assertThat(sClient("-noservername").subject()).isEqualTo("CN = a.example.com");
        assertThat(lb.output()).containsPattern("listener web on /127\\.0\\.0\\.1:" + lb.port("web")
                + " \\(pool web, transport \\S+, TLS (OpenSSL \\(BoringSSL\\)|JDK \\(\\S+\\)) "
                + "with 2 certificate\\(s\\)\\)");
    }

    // RSA and ECDSA certificates for one name: ECDSA to clients that can verify it, RSA to the others, whatever
    // the order listed; a client without SNI is served as if it asked for the first certificate's name.
    @Test
    void ecdsaToCapableClientsRsaToOthers() throws Exception {
        TestPki.Issued rsa = pki.server("site-rsa", TestPki.KeyType.RSA, 30, "a.example.com");
        start(lb.stub("a"), certificates(rsa, site));
        String ecdsaKey = "Server public key is 256 bit";
        String rsaKey = "Server public key is 2048 bit";
        assertThat(sClient("-servername", "a.example.com").output()).contains(ecdsaKey);
        assertThat(sClient("-noservername").output()).contains(ecdsaKey);
        TlsClients.SClient rsaOnly13 = sClient("-servername", "a.example.com", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256");
        assertThat(rsaOnly13.output()).as(rsaOnly13.output()).contains(rsaKey);
        assertThat(rsaOnly13.negotiated()).startsWith("TLSv1.3 ");
        TlsClients.SClient rsaOnly12 = sClient("-servername", "a.example.com", "-tls1_2", "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(rsaOnly12.output()).contains(rsaKey);
        assertThat(rsaOnly12.negotiated()).isEqualTo("TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(sClient("-servername", "a.example.com", "-tls1_2").output()).contains(ecdsaKey);
    }

    // strict-sni refuses a handshake without SNI or with a name no certificate covers: alert 112, no certificate.
    @Test
    void strictSniRefusesWithUnrecognizedName() throws Exception {
        start(lb.stub("a"), certificates(site, wild) + ", strict-sni: true");
        TlsClients.SClient none = sClient("-noservername");
        assertThat(none.alert()).as(none.output()).isEqualTo(112);
        assertThat(none.subject()).isNull();
        TlsClients.SClient unknown = sClient("-servername", "other.test");
        assertThat(unknown.alert()).as(unknown.output()).isEqualTo(112);
        assertThat(unknown.subject()).isNull();
        assertThat(sClient("-servername", "shop.example.com").subject()).isEqualTo("CN = *.example.com");
    }

    // ALPN selects h2 by default (http/1.1 for a client without h2); a listener with protocols: [http/1.1]
    // selects http/1.1, and an h2-only client gets no ALPN and still a handshake; TLS 1.0/1.1 get protocol_version.
    @Test
    void alpnAndProtocolVersions() throws Exception {
        lb.config().listener("h1only", "web", l -> l.set("tls", "{ " + certificates(site) + " }")
                .set("protocols", "[http/1.1]"));
        start(lb.stub("a"), certificates(site));
        TlsClients.SClient alpn = sClient("-servername", "a.example.com", "-alpn", "h2,http/1.1");
        assertThat(alpn.alpn()).isEqualTo("h2");
        assertThat(alpn.negotiated()).startsWith("TLSv1.3 ");
        assertThat(sClient("-servername", "a.example.com", "-alpn", "http/1.1").alpn()).isEqualTo("http/1.1");
        TlsClients.SClient h1 = TlsClients.sClient(lb.port("h1only"), "-servername", "a.example.com", "-alpn",
                "h2,http/1.1");
        assertThat(h1.alpn()).isEqualTo("http/1.1");
        TlsClients.SClient h2Only = TlsClients.sClient(lb.port("h1only"), "-servername", "a.example.com", "-alpn",
                "h2");
        assertThat(h2Only.alpn()).isNull();
        assertThat(h2Only.output()).contains("No ALPN negotiated");
        assertThat(h2Only.subject()).isEqualTo("CN = a.example.com");
        assertThat(sClient("-servername", "a.example.com", "-tls1_2").negotiated())
                .isEqualTo("TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256");
        for (String old : List.of("-tls1_1", "-tls1")) {
            TlsClients.SClient refused = sClient("-servername", "a.example.com", old, "-cipher", "DEFAULT@SECLEVEL=0");
            assertThat(refused.alert()).as(old + ": " + refused.output()).isEqualTo(70);
            assertThat(refused.negotiated()).isEqualTo("(NONE) (NONE)");
        }
    }

    // min-version TLSv1.3 refuses TLS 1.2; ciphers narrows TLS 1.2 to the listed suite, which is then chosen.
    @Test
    void minVersionAndCiphers() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().listener("modern", "web", l -> l.set("tls", "{ " + certificates(site)
                + ", min-version: TLSv1.3 }"));
        start(a, certificates(wild) + ", ciphers: ECDHE-RSA-AES256-GCM-SHA384");
        assertThat(sClient("-servername", "b.example.com", "-tls1_2").negotiated())
                .isEqualTo("TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384");
        TlsClients.SClient other = sClient("-servername", "b.example.com", "-tls1_2", "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(other.alert()).as(other.output()).isEqualTo(40);
        TlsClients.SClient modern = TlsClients.sClient(lb.port("modern"), "-servername", "a.example.com", "-tls1_2");
        assertThat(modern.alert()).as(modern.output()).isEqualTo(70);
        assertThat(TlsClients.sClient(lb.port("modern"), "-servername", "a.example.com").negotiated())
                .startsWith("TLSv1.3 ");
    }

    // curl, verifying against the test CA, is answered by the backend (over h2, ALPN's choice by default), which
    // sees https in both forwarding headers.
    @Test
    void backendSeesHttps() throws Exception {
        StubBackend a = lb.stub("a");
        start(a, certificates(site, wild));
        int port = lb.port("web");
        List<String> command = List.of("curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert",
                pki.ca().cert().toString(), "--resolve", "shop.example.com:" + port + ":127.0.0.1",
                "https://shop.example.com:" + port + "/hello");
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String head = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.exitValue()).as(head).isZero();
        assertThat(head).startsWith("HTTP/2 200 ").containsIgnoringCase("x-backend: a\r\n");
        assertThat(a.lastHeaders).containsEntry("x-forwarded-proto", "https")
                .containsEntry("forwarded", "for=127.0.0.1;proto=https;host=\"shop.example.com:" + port + "\"");
    }

    // Behind a balancer that sends the PROXY protocol, its header comes first, in the clear, then the
    // handshake (HAProxy's accept-proxy on an ssl bind): the backend sees the header's client over https.
    @Test
    void proxyHeaderBeforeTheHandshake() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().listener("web", "web", l -> l.set("tls", "{ " + certificates(site) + " }")
                        .set("proxy-protocol", "{ accept: true, from: [127.0.0.0/8] }"))
                .pool("web", p -> p.backend(a));
        lb.start();
        int port = lb.port("web");
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        plain.getOutputStream().write(("PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + port + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        SSLSocket tls = (SSLSocket) TlsClients.trusting(pki.ca().cert()).getSocketFactory()
                .createSocket(plain, "a.example.com", port, true);
        tls.setSoTimeout(10_000);
        tls.startHandshake();
        try (RawClient raw = new RawClient(tls)) {
            RawClient.Response r = raw.send("GET /x HTTP/1.1\r\nHost: a.example.com\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-backend")).isEqualTo("a");
        }
        assertThat(a.lastHeaders).containsEntry("x-forwarded-for", "203.0.113.7")
                .containsEntry("x-forwarded-proto", "https");
    }

    // A reload that swaps the certificate: an open keep-alive connection goes on being answered, a new one gets
    // the new certificate.
    @Test
    void reloadSwapsCertificateWhileConnectionStaysOpen() throws Exception {
        StubBackend a = lb.stub("a");
        start(a, certificates(site));
        SSLContext client = TlsClients.trusting(pki.ca().cert());
        BigInteger before = serialOf(site);
        try (SSLSocket open = TlsClients.connect(client, lb.port("web"), "a.example.com");
             RawClient raw = new RawClient(open)) {
            assertThat(TlsClients.servedSerial(open)).isEqualTo(before);
            assertThat(get(raw).status()).isEqualTo(200);

            TestPki.Issued renewed = pki.server("renewed", TestPki.KeyType.ECDSA, 60, "a.example.com");
            lb.config().listener("web").set("tls", "{ " + certificates(renewed) + " }");
            lb.writeConfig();
            HttpResponse<String> reload = lb.reload();
            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
            assertThat(reload.body()).contains("~tls web");

            RawClient.Response again = get(raw);
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.header("X-Backend")).isEqualTo("a");
            try (SSLSocket fresh = TlsClients.connect(client, lb.port("web"), "a.example.com")) {
                assertThat(TlsClients.servedSerial(fresh)).isEqualTo(serialOf(renewed)).isNotEqualTo(before);
            }
        }
    }

    // A key that is not the certificate's: tandem check names file, position and key; a reload keeps the old one.
    @Test
    void mismatchedKeyIsRefusedByCheckAndReload() throws Exception {
        StubBackend a = lb.stub("a");
        start(a, certificates(site));
        SSLContext client = TlsClients.trusting(pki.ca().cert());
        lb.config().listener("web").set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: " + wild.key()
                + " } ] }");
        lb.writeConfig();
        Path file = lb.configFile();
        String line = lb.config().render().lines().filter(l -> l.contains("key: " + wild.key())).findFirst()
                .orElseThrow();
        String expected = file + ":2:" + (line.indexOf("key: " + wild.key()) + 6)
                + ": listeners[0].tls.certificates[0].key: " + wild.key() + " is not the private key of "
                + site.cert() + " (the first certificate of the file must be the one the key belongs to)";

        TandemFixture.Result check = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(check.exit()).isEqualTo(2);
        assertThat(check.output()).isEqualTo(expected + "\n1 problem\n");

        HttpResponse<String> reload = lb.reload();
        assertThat(reload.statusCode()).isEqualTo(422);
        assertThat(reload.body()).contains("\"applied\" : false").contains(expected);
        try (SSLSocket fresh = TlsClients.connect(client, lb.port("web"), "a.example.com");
             RawClient raw = new RawClient(fresh)) {
            assertThat(TlsClients.servedSerial(fresh)).isEqualTo(serialOf(site));
            assertThat(get(raw).header("X-Backend")).isEqualTo("a");
        }
    }

    private static RawClient.Response get(RawClient raw) throws IOException {
        return raw.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n").read();
    }

    private static BigInteger serialOf(TestPki.Issued issued) throws Exception {
        try (var in = java.nio.file.Files.newInputStream(issued.cert())) {
            return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSerialNumber();
        }
    }
}
