package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Session resumption across the pair: two Tandem processes with the same {@code ticket-keys} file resume
 * each other's sessions (TLS 1.2 tickets and TLS 1.3 PSKs, with {@code openssl s_client -sess_out} against
 * one and {@code -sess_in} against the other), and a rotated file takes effect without a restart.
 */
class TlsResumptionIT {

    private static final String REQUEST = "GET / HTTP/1.0\r\nHost: a.example.com\r\n\r\n";
    private static final SecureRandom RANDOM = new SecureRandom();

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TestPki.Issued site;
    private Path keys;
    private Path session;

    @BeforeEach
    void start() throws IOException {
        TestPki pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        keys = lb.dir().resolve("tickets.key");
        session = lb.dir().resolve("session.pem");
        String first = newKey();
        String second = newKey();
        Files.writeString(keys, first + "\n" + second + "\n");
        StubBackend backend = lb.stub("app");
        for (String node : new String[] {"a", "b"}) {
            lb.node(node).config().listener("web", "web", l -> l.set("tls", "{ certificates: [ { cert: "
                    + site.cert() + ", key: " + site.key() + " } ], ticket-keys: " + keys + " }"))
                    .pool("web", p -> p.backend(backend));
            lb.node(node).start();
        }
    }

    /** 80 random bytes in base64, as {@code openssl rand 80 | base64 -w0} makes them. */
    private static String newKey() {
        byte[] key = new byte[80];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** A full handshake and a request on {@code node}, its session written to {@link #session}. */
    private TlsClients.SClient fresh(String node, String version) throws IOException {
        Files.deleteIfExists(session);
        TlsClients.SClient c = TlsClients.sClientSending(lb.node(node).port("web"), REQUEST, "-servername",
                "a.example.com", version, "-sess_out", session.toString());
        assertThat(c.reused()).as(c.output()).isFalse();
        assertThat(c.output()).contains("HTTP/1.1 200 OK");
        return c;
    }

    /** A handshake on {@code node} offering the session of {@link #session}. */
    private TlsClients.SClient resume(String node, String version) throws IOException {
        return TlsClients.sClientSending(lb.node(node).port("web"), REQUEST, "-servername", "a.example.com", version,
                "-sess_in", session.toString());
    }

    // A session made on node a resumes on node b, and one made on b resumes on a, with TLS 1.2 and TLS 1.3.
    @Test
    void sessionsResumeOnThePeer() throws Exception {
        for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
            fresh("a", version);
            TlsClients.SClient onB = resume("b", version);
            assertThat(onB.reused()).as(version + ": " + onB.output()).isTrue();
            assertThat(onB.output()).contains("HTTP/1.1 200 OK");
            fresh("b", version);
            TlsClients.SClient onA = resume("a", version);
            assertThat(onA.reused()).as(version + ": " + onA.output()).isTrue();
        }
    }

    // Rotation without restart: a new first key on b (the old ones gone) stops b from opening a's tickets; with
    // a's key back as a second, decrypt-only line, b opens them again.
    @Test
    void rotatedKeysApplyWithoutRestart() throws Exception {
        fresh("a", "-tls1_3");
        String aKeys = Files.readString(keys);
        // Both nodes watch the same file; node a is stopped so that the rotation below concerns b only.
        lb.node("a").process().close();
        String newFirst = newKey();
        Files.writeString(keys, newFirst + "\n");
        Poll.until(Duration.ofSeconds(20), "node b to drop the old keys", () -> {
            try {
                return !resume("b", "-tls1_3").reused();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Files.writeString(keys, newFirst + "\n" + aKeys);
        Poll.until(Duration.ofSeconds(20), "node b to open a's tickets with a decrypt-only key", () -> {
            try {
                return resume("b", "-tls1_3").reused();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(lb.node("b").output()).contains("tickets.key changed: reloading");
    }
}
