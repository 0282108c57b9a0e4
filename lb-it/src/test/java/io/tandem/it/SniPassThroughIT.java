package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS pass-through: a {@code mode: tcp} listener with {@code sni-routes} reads each ClientHello's SNI
 * name, chooses the pool by it, and forwards the bytes as they came, so the client's TLS session is
 * with the backend itself (its certificate, its view of the SNI name). Two HTTPS stubs with their own
 * certificates; the client verifies against the test CA and checks which certificate it was served.
 */
class SniPassThroughIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static TestPki pki;
    static TestPki.Issued aCert;
    static TestPki.Issued bCert;
    static StubBackend a;
    static StubBackend b;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(lb.dir().resolve("pki"), "sni");
        aCert = pki.server("a", TestPki.KeyType.ECDSA, 30, "a.example.com", "www.example.com");
        bCert = pki.server("b", TestPki.KeyType.RSA, 30, "b.example.com", "x.b.example.com");
        a = lb.httpsStub("a", new StubTls(aCert));
        b = lb.httpsStub("b", new StubTls(bCert));
        lb.config().listener("tls", "site-a", l -> l.set("mode", "tcp").set("sni-routes",
                        "[ { sni: b.example.com, pool: site-b }, { sni: \"*.b.example.com\", pool: site-b } ]"))
                .pool("site-a", p -> p.backend(a))
                .pool("site-b", p -> p.backend(b));
        lb.start();
    }

    private static BigInteger serialOf(TestPki.Issued issued) throws Exception {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(issued.cert())) {
            return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSerialNumber();
        }
    }

    /** A GET over TLS with SNI {@code name} through the listener: the answer's head lines, and the cert serial. */
    private static Map<String, String> get(String name) throws Exception {
        // A new client context each time: the JDK would otherwise resume the last session, whose SNI name it
        // sends again, as every connection goes to the same address and port.
        SSLContext client = TlsClients.trusting(pki.ca().cert());
        try (SSLSocket s = TlsClients.connect(client, lb.port("tls"), name)) {
            BigInteger served = TlsClients.servedSerial(s);
            s.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            Map<String, String> head = new LinkedHashMap<>();
            head.put("status", in.readLine());
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                head.put(line.substring(0, colon).toLowerCase(), line.substring(colon + 1).trim());
            }
            head.put("serial", served.toString());
            return head;
        }
    }

    // An SNI route's name reaches its pool, whose backend terminates TLS with its own certificate.
    @Test
    void exactNameGoesToItsPool() throws Exception {
        Map<String, String> head = get("b.example.com");
        assertThat(head.get("status")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(head.get("x-backend")).isEqualTo("b");
        assertThat(head.get("x-seen-sni")).isEqualTo("b.example.com");
        assertThat(head.get("serial")).isEqualTo(serialOf(bCert).toString());
    }

    // A wildcard route takes a one-label name below it.
    @Test
    void wildcardNameGoesToItsPool() throws Exception {
        Map<String, String> head = get("x.b.example.com");
        assertThat(head.get("x-backend")).isEqualTo("b");
        assertThat(head.get("x-seen-sni")).isEqualTo("x.b.example.com");
    }

    // A name no route has goes to the listener's pool.
    @Test
    void otherNamesGoToTheDefaultPool() throws Exception {
        Map<String, String> head = get("www.example.com");
        assertThat(head.get("x-backend")).isEqualTo("a");
        assertThat(head.get("x-seen-sni")).isEqualTo("www.example.com");
        assertThat(head.get("serial")).isEqualTo(serialOf(aCert).toString());
    }
}
