package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The warm standby warms the TLS handshake path too: a pair member with a TLS listener sends part of its
 * start's warm-up requests over TLS, with full handshakes, through a private loopback listener that has
 * that listener's certificates and settings; they are counted as listener {@code warm-up}, never as the
 * real listener's. A real process, alone in its pair (its peer never answers), with a real backend.
 */
class WarmStandbyTlsIT {

    private static final String HANDSHAKES = "tandem_tls_handshakes_total";
    private static final String WARM_UP = "tandem_warmup_requests_total";

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki pki;
    private StubBackend web;
    private Path keyFile;
    private final int[] udp = Ports.free(2);

    @BeforeEach
    void setUp() throws IOException {
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        web = lb.stub("web-1");
        byte[] key = new byte[32];
        ThreadLocalRandom.current().nextBytes(key);
        keyFile = lb.file("pair.key", HexFormat.of().formatHex(key) + "\n");
    }

    /** One listener {@code web} with {@code tls}, one pool; a pair member warming up with 40 requests only at start. */
    private void start(String tls) throws IOException {
        lb.config().listener("web", "web", l -> l.set("tls", tls))
                .pool("web", p -> p.backend(web))
                .failover(f -> f.node("lb-a").priority(150).bind("127.0.0.1:" + udp[0]).peer("127.0.0.1:" + udp[1])
                        .advertInterval(Duration.ofMillis(50)).authKeyFile(keyFile).notify("/bin/true")
                        .set("warm-up", "{ requests: 40, interval: 0s }"));
        lb.start();
        Poll.until(Duration.ofSeconds(30), "the start's warm-up to finish", () -> {
            JsonNode w = lb.admin().status().path("failover").path("warmUp");
            return "warm".equals(w.path("state").asText());
        });
    }

    // Strict SNI and only a wildcard certificate: the warm-up asks for a name the wildcard covers, so
    // its handshakes pass. 40 requests round-robin over the pool's plain listener and the TLS one: 20
    // full TLS 1.3 handshakes (with the JDK client's first choice of cipher), all counted as listener
    // warm-up, none as web.
    @Test
    void halfOfTheStartGoesOverTlsWithAFullHandshakeEach() throws Exception {
        TestPki.Issued wild = pki.server("wild", TestPki.KeyType.ECDSA, 30, "*.example.com");
        start("{ certificates: [ { cert: " + wild.cert() + ", key: " + wild.key() + " } ], strict-sni: true }");

        PrometheusText m = lb.admin().metrics();
        assertThat(m.value(WARM_UP, "result", "ok")).isEqualTo(40);
        assertThat(m.value(WARM_UP, "result", "failed")).isZero();
        assertThat(m.value(HANDSHAKES, "listener", "warm-up", "protocol", "TLSv1.3", "cipher",
                "TLS_AES_256_GCM_SHA384")).isEqualTo(20);
        assertThat(m.has(HANDSHAKES, "listener", "web", "protocol", "TLSv1.3", "cipher", "TLS_AES_256_GCM_SHA384"))
                .isFalse();
        assertThat(lb.admin().metrics().value("tandem_tls_handshake_failures_total", "listener", "warm-up",
                "reason", "unknown_sni")).isZero();
    }

    // A listener that requires client certificates is not warmed over TLS: the warm-up has none to show,
    // and failing handshakes would keep the node from ever calling itself ready.
    @Test
    void aListenerRequiringClientCertificatesIsWarmedOverPlainHttpOnly() throws Exception {
        TestPki.Issued site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        start("{ certificates: [ { cert: " + site.cert() + ", key: " + site.key() + " } ], client-ca: "
                + pki.ca().cert() + ", client-auth: required }");

        PrometheusText m = lb.admin().metrics();
        assertThat(m.value(WARM_UP, "result", "ok")).isEqualTo(40);
        assertThat(m.value(WARM_UP, "result", "failed")).isZero();
        assertThat(m.has(HANDSHAKES, "listener", "warm-up", "protocol", "TLSv1.3", "cipher", "TLS_AES_256_GCM_SHA384"))
                .isFalse();
    }
}
