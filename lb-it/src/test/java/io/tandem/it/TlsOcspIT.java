package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OCSP stapling from a response file per certificate: {@code openssl s_client -status} sees the stapled
 * response (made by {@code openssl ocsp} as the CA's responder), /status shows it, and a reload staples a
 * renewed file.
 */
class TlsOcspIT {

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

    private void configure(Path ocsp) {
        lb.config().listener("web").set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: " + site.key()
                + ", ocsp: " + ocsp + " }, { cert: " + wild.cert() + ", key: " + wild.key() + " } ] }");
    }

    private TlsClients.SClient status(String name) throws IOException {
        return TlsClients.sClient(lb.port("web"), "-servername", name, "-status");
    }

    private static String nextUpdate(TlsClients.SClient c) {
        return c.output().lines().filter(l -> l.trim().startsWith("Next Update:")).findFirst().orElseThrow().trim();
    }

    // The certificate with a response file staples it (good, for its serial); the other staples nothing.
    @Test
    void staplesTheResponseFile() throws Exception {
        Path ocsp = pki.ocspResponse("site", site, 1);
        lb.config().listener("web", "web").pool("web", p -> p.backend(TandemFixture.unusedAddress()));
        configure(ocsp);
        lb.start();
        TlsClients.SClient stapled = status("a.example.com");
        assertThat(stapled.output()).as(stapled.output()).contains("OCSP Response Status: successful (0x0)")
                .contains("Cert Status: good").contains("Responder Id: CN = tandem test CA");
        assertThat(nextUpdate(stapled)).isNotEmpty();
        TlsClients.SClient none = status("shop.example.com");
        assertThat(none.subject()).isEqualTo("CN = *.example.com");
        assertThat(none.output()).contains("OCSP response: no response sent");

        JsonNode cert = new ObjectMapper().readTree(lb.admin().get("/status").body()).path("listeners").get(0)
                .path("tls").path("certificates").get(0);
        JsonNode status = cert.path("ocsp");
        assertThat(status.path("file").asText()).isEqualTo(ocsp.toString());
        assertThat(status.path("stapled").asBoolean()).isTrue();
        Instant next = Instant.parse(status.path("nextUpdate").asText());
        assertThat(Duration.between(Instant.now(), next).toHours()).isBetween(23L, 24L);
        assertThat(new ObjectMapper().readTree(lb.admin().get("/status").body()).path("listeners").get(0)
                .path("tls").path("certificates").get(1).path("ocsp").isNull()).isTrue();
    }

    // A reload re-reads the response file: the renewed response (a later next update) is stapled from then on.
    @Test
    void reloadStaplesTheRenewedResponse() throws Exception {
        lb.config().listener("web", "web").pool("web", p -> p.backend(TandemFixture.unusedAddress()));
        configure(pki.ocspResponse("first", site, 1));
        lb.start();
        String before = nextUpdate(status("a.example.com"));

        configure(pki.ocspResponse("renewed", site, 3));
        lb.writeConfig();
        HttpResponse<String> reload = lb.reload();
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(reload.body()).contains("~tls web");
        String after = nextUpdate(status("a.example.com"));
        assertThat(after).isNotEqualTo(before);
        JsonNode status = new ObjectMapper().readTree(lb.admin().get("/status").body()).path("listeners").get(0)
                .path("tls").path("certificates").get(0).path("ocsp");
        assertThat(Duration.between(Instant.now(), Instant.parse(status.path("nextUpdate").asText())).toHours())
                .isBetween(71L, 72L);
    }
}
