package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mutual TLS on a listener, with curl as the client: required and optional client certificates, the
 * subject passed to the backend in a header no client can forge, and certificates of another CA refused.
 */
class TlsClientAuthIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki servers;
    private TestPki clients;
    private TestPki.Issued site;
    private TestPki.Issued alice;
    private StubBackend backend;

    @BeforeEach
    void certificates() throws IOException {
        servers = new TestPki(lb.dir().resolve("servers"), "servers");
        clients = new TestPki(lb.dir().resolve("clients"), "clients");
        site = servers.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        alice = clients.client("alice", TestPki.KeyType.ECDSA, "alice");
        backend = lb.stub("a");
    }

    private void start(String clientKeys) throws IOException {
        lb.config().listener("web", "web", l -> l.set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: "
                        + site.key() + " } ], client-ca: " + clients.ca().cert() + clientKeys + " }"))
                .pool("web", p -> p.backend(backend));
        lb.start();
    }

    /** curl's exit code and response head for GET / as a.example.com, with {@code extra} arguments. */
    private String[] curl(String... extra) throws Exception {
        int port = lb.port("web");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert",
                servers.ca().cert().toString(), "--resolve", "a.example.com:" + port + ":127.0.0.1",
                "-H", "X-Client-Cert: CN=mallory"));
        command.addAll(List.of(extra));
        command.add("https://a.example.com:" + port + "/");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()),
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
    }

    private String[] withAlice() throws Exception {
        return curl("--cert", alice.cert().toString(), "--key", alice.key().toString());
    }

    // Required: a client with a certificate of the CA is served (over h2, which curl and the listener prefer) and
    // its subject (not its own header) reaches the backend; one without a certificate fails the handshake,
    // counted as bad_certificate.
    @Test
    void requiredClientCertificate() throws Exception {
        start("");
        String[] ok = withAlice();
        assertThat(ok[0]).as(ok[1]).isEqualTo("0");
        assertThat(ok[1]).startsWith("HTTP/2 200 ");
        assertThat(backend.lastHeaders).containsEntry("x-client-cert", "CN=alice");

        String[] none = curl();
        assertThat(none[0]).as(none[1]).isNotEqualTo("0");
        assertThat(none[1]).doesNotContain("HTTP/1.1");
        Poll.until(Duration.ofSeconds(10), "the refused handshake to be counted", () -> lb.admin().metrics().value(
                "tandem_tls_handshake_failures_total", "listener", "web", "reason", "bad_certificate") == 1);
    }

    // A certificate of another CA is refused even when client certificates are optional.
    @Test
    void otherCaIsRefused() throws Exception {
        start(", client-auth: optional");
        TestPki.Issued stranger = servers.client("stranger", TestPki.KeyType.ECDSA, "stranger");
        String[] refused = curl("--cert", stranger.cert().toString(), "--key", stranger.key().toString());
        assertThat(refused[0]).as(refused[1]).isNotEqualTo("0");
        assertThat(refused[1]).doesNotContain("HTTP/1.1");
        assertThat(backend.requests.get()).isZero();
    }

    // Optional: a client without a certificate is served without the header (its forged one removed); one with a
    // certificate gets its subject passed on, in the header the config names.
    @Test
    void optionalClientCertificateAndHeaderName() throws Exception {
        start(", client-auth: optional, client-cert-header: X-Client-Cert");
        String[] anonymous = curl();
        assertThat(anonymous[0]).as(anonymous[1]).isEqualTo("0");
        assertThat(anonymous[1]).startsWith("HTTP/2 200 ");
        assertThat(backend.lastHeaders).doesNotContainKey("x-client-cert");
        String[] ok = withAlice();
        assertThat(ok[1]).startsWith("HTTP/2 200 ");
        assertThat(backend.lastHeaders).containsEntry("x-client-cert", "CN=alice");
    }
}
