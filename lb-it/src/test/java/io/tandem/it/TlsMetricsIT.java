package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a TLS listener reports: handshakes by protocol and cipher, failures by reason, each certificate's
 * expiry in the metrics and in /status, and how a reload changes them.
 */
class TlsMetricsIT {

    private static final String FAILURES = "tandem_tls_handshake_failures_total";
    private static final String HANDSHAKES = "tandem_tls_handshakes_total";
    private static final String EXPIRY = "tandem_tls_certificate_expiry_seconds";

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki pki;
    private TestPki.Issued site;
    private TestPki.Issued wild;

    @BeforeEach
    void start() throws IOException {
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        wild = pki.server("wild", TestPki.KeyType.RSA, 90, "*.example.com");
        StubBackend a = lb.stub("a");
        lb.config().listener("web", "web", l -> l.timeouts("header: 1s").set("tls", "{ certificates: [ "
                        + entry(site) + ", " + entry(wild) + " ], strict-sni: true }"))
                .pool("web", p -> p.backend(a));
        lb.start();
    }

    private static String entry(TestPki.Issued issued) {
        return "{ cert: " + issued.cert() + ", key: " + issued.key() + " }";
    }

    private double failures(String reason) {
        return lb.admin().metrics().value(FAILURES, "listener", "web", "reason", reason);
    }

    private void awaitFailures(String reason, double expected) {
        Poll.until(Duration.ofSeconds(10), reason + " failures to reach " + expected,
                () -> failures(reason) == expected);
    }

    // Each way a handshake fails is counted under its reason, and each success under its protocol and cipher.
    @Test
    void handshakesAndFailuresByReason() throws Exception {
        int port = lb.port("web");
        for (String reason : new String[] {"no_shared_cipher", "protocol_version", "unknown_sni", "bad_certificate",
                "timeout", "other"}) {
            assertThat(failures(reason)).as(reason).isZero();
        }
        TlsClients.sClient(port, "-servername", "a.example.com", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256");
        TlsClients.sClient(port, "-servername", "shop.example.com", "-tls1_2");
        TlsClients.sClient(port, "-servername", "shop.example.com", "-tls1_2");
        Poll.until(Duration.ofSeconds(10), "three handshakes counted", () -> {
            PrometheusText m = lb.admin().metrics();
            return m.has(HANDSHAKES, "listener", "web", "protocol", "TLSv1.3", "cipher", "TLS_AES_128_GCM_SHA256")
                    && m.has(HANDSHAKES, "listener", "web", "protocol", "TLSv1.2", "cipher",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
                    && m.value(HANDSHAKES, "listener", "web", "protocol", "TLSv1.2", "cipher",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == 2;
        });
        assertThat(lb.admin().metrics().value(HANDSHAKES, "listener", "web", "protocol", "TLSv1.3", "cipher",
                "TLS_AES_128_GCM_SHA256")).isEqualTo(1);

        TlsClients.sClient(port, "-servername", "a.example.com", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        awaitFailures("protocol_version", 1);
        // The ECDSA certificate of a.example.com and a client that takes only RSA suites.
        TlsClients.sClient(port, "-servername", "a.example.com", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
        awaitFailures("no_shared_cipher", 1);
        TlsClients.sClient(port, "-noservername");
        awaitFailures("unknown_sni", 1);
        try (RawClient silent = new RawClient(port)) {
            assertThat(silent.closedByPeer()).isTrue(); // after the 1 s header timeout, without a ClientHello
        }
        awaitFailures("timeout", 1);
        try (RawClient plain = new RawClient(port)) {
            plain.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
            assertThat(plain.socket().getInputStream().readAllBytes()).isEmpty(); // closed without an answer
        }
        awaitFailures("other", 1);
        assertThat(failures("protocol_version")).isEqualTo(1);
        assertThat(failures("no_shared_cipher")).isEqualTo(1);
        assertThat(failures("unknown_sni")).isEqualTo(1);
        assertThat(failures("bad_certificate")).isZero();
    }

    // Expiry: the gauge and /status give each certificate's notAfter and the seconds left until it.
    @Test
    void expiryInMetricsAndStatus() throws Exception {
        Instant siteEnd = notAfter(site);
        double left = lb.admin().metrics().value(EXPIRY, "listener", "web", "certificate", site.cert().toString());
        assertThat(left).isCloseTo(Duration.between(Instant.now(), siteEnd).toSeconds(), within(60.0));
        assertThat(lb.admin().metrics().value(EXPIRY, "listener", "web", "certificate", wild.cert().toString()))
                .isCloseTo(Duration.between(Instant.now(), notAfter(wild)).toSeconds(), within(60.0));

        JsonNode tls = new ObjectMapper().readTree(lb.admin().get("/status").body()).path("listeners").get(0)
                .path("tls");
        assertThat(tls.path("engine").asText()).matches("OpenSSL \\(BoringSSL\\)|JDK \\(.+\\)");
        assertThat(tls.path("strictSni").asBoolean()).isTrue();
        assertThat(tls.path("minVersion").asText()).isEqualTo("TLSv1.2");
        JsonNode first = tls.path("certificates").get(0);
        assertThat(first.path("cert").asText()).isEqualTo(site.cert().toString());
        assertThat(first.path("key").asText()).isEqualTo(site.key().toString());
        assertThat(first.path("subject").asText()).isEqualTo("CN=a.example.com");
        assertThat(first.path("names").toString()).isEqualTo("[\"a.example.com\"]");
        assertThat(first.path("keyType").asText()).isEqualTo("ECDSA");
        assertThat(Instant.parse(first.path("notAfter").asText())).isEqualTo(siteEnd);
        assertThat(first.path("secondsLeft").asLong()).isCloseTo(Duration.between(Instant.now(), siteEnd).toSeconds(),
                within(60L));
        JsonNode second = tls.path("certificates").get(1);
        assertThat(second.path("names").toString()).isEqualTo("[\"*.example.com\"]");
        assertThat(second.path("keyType").asText()).isEqualTo("RSA");
    }

    // A reload that drops a certificate drops its gauge; one that makes the listener plain drops them all.
    @Test
    void reloadReplacesExpiryGauges() throws Exception {
        lb.config().listener("web").set("tls", "{ certificates: [ " + entry(wild) + " ] }");
        lb.writeConfig();
        assertThat(lb.reload().statusCode()).isEqualTo(200);
        PrometheusText m = lb.admin().metrics();
        assertThat(m.has(EXPIRY, "listener", "web", "certificate", site.cert().toString())).isFalse();
        assertThat(m.has(EXPIRY, "listener", "web", "certificate", wild.cert().toString())).isTrue();

        lb.config().listener("web").unset("tls");
        lb.writeConfig();
        assertThat(lb.reload().statusCode()).isEqualTo(200);
        assertThat(lb.admin().metrics().has(EXPIRY, "listener", "web", "certificate", wild.cert().toString()))
                .isFalse();
        assertThat(new ObjectMapper().readTree(lb.admin().get("/status").body()).path("listeners").get(0)
                .path("tls").isNull()).isTrue();
    }

    private static Instant notAfter(TestPki.Issued issued) throws Exception {
        try (InputStream in = Files.newInputStream(issued.cert())) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getNotAfter()
                    .toInstant();
        }
    }
}
