package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pool's {@code tls} section: what it binds to, and every file problem at its value. */
class BackendTlsConfigTest {

    @TempDir
    Path dir;

    private TandemConfig parse(String tlsLine) throws ConfigException {
        return ConfigLoader.parse(yaml(tlsLine), "t.yaml", Map.<String, String>of()::get, dir, new HashSet<>());
    }

    /** The problems of a file whose line 6 is {@code tlsLine}. */
    private String problems(String tlsLine) {
        try {
            parse(tlsLine);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected problems with " + tlsLine);
    }

    private static String yaml(String tlsLine) {
        return String.join("\n",
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: app.internal:443 } ]",
                tlsLine,
                "");
    }

    // Without a tls section a pool speaks plain HTTP.
    @Test
    void absentMeansPlainHttp() throws Exception {
        assertThat(parse("    retries: 1").pool("web").tls()).isEmpty();
    }

    // An empty section turns TLS on with its defaults: verify against the JDK's CAs, SNI from each backend's host.
    @Test
    void presenceTurnsTlsOnWithDefaults() throws Exception {
        assertThat(parse("    tls: {}").pool("web").tls())
                .contains(new BackendTlsConfig(null, true, null, null, null));
        assertThat(parse("    tls:").pool("web").tls())
                .contains(new BackendTlsConfig(null, true, null, null, null));
    }

    // Every key is bound; relative files resolve against the config's directory, the SNI name is lower-cased.
    @Test
    void everyKeyIsBound() throws Exception {
        TestCertificates.ec(dir, "ca");
        TestCertificates.rsa(dir, "client");
        Optional<BackendTlsConfig> tls = parse("    tls: { ca: ca.pem, sni: App.Internal, cert: client.pem, "
                + "key: client.key }").pool("web").tls();
        assertThat(tls).contains(new BackendTlsConfig(dir.resolve("ca.pem").toString(), true, "app.internal",
                dir.resolve("client.pem").toString(), dir.resolve("client.key").toString()));
        assertThat(parse("    tls: { verify: false }").pool("web").tls())
                .contains(new BackendTlsConfig(null, false, null, null, null));
    }

    // A CA file that is missing, a directory, or holds no certificate is a problem at the ca value.
    @Test
    void unusableCaFiles() throws Exception {
        Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        String expected = "expected a PEM file of the CA certificates that backends' certificates chain to";
        assertThat(problems("    tls: { ca: missing.pem }")).isEqualTo("t.yaml:6:16: pools.web.tls.ca: cannot read "
                + dir.resolve("missing.pem") + ": no such file; " + expected);
        assertThat(problems("    tls: { ca: . }")).isEqualTo("t.yaml:6:16: pools.web.tls.ca: cannot read "
                + dir + ": is a directory; " + expected);
        assertThat(problems("    tls: { ca: empty.pem }")).isEqualTo("t.yaml:6:16: pools.web.tls.ca: "
                + dir.resolve("empty.pem") + " holds no PEM certificate (-----BEGIN CERTIFICATE-----); " + expected);
        assertThat(problems("    tls: { ca: garbage.pem }")).isEqualTo("t.yaml:6:16: pools.web.tls.ca: "
                + dir.resolve("garbage.pem") + ": certificate 1 is not a valid X.509 certificate; " + expected);
    }

    // A CA with verify: false would do nothing, so it is refused rather than ignored.
    @Test
    void caWithoutVerifyIsRefused() throws Exception {
        TestCertificates.ec(dir, "ca");
        assertThat(problems("    tls: { ca: ca.pem, verify: false }")).isEqualTo("t.yaml:6:16: pools.web.tls.ca: "
                + "is not used with verify: false; remove it, or set verify: true to check backends against it");
    }

    // cert and key go together; each alone is a problem at the one that is there.
    @Test
    void certAndKeyGoTogether() throws Exception {
        TestCertificates.ec(dir, "client");
        assertThat(problems("    tls: { cert: client.pem }")).isEqualTo("t.yaml:6:18: pools.web.tls.cert: needs key: "
                + "the private key of this client certificate");
        assertThat(problems("    tls: { key: client.key }")).isEqualTo("t.yaml:6:17: pools.web.tls.key: needs cert: "
                + "the client certificate of this key");
    }

    // A key of another key pair, or of another algorithm, does not match the certificate.
    @Test
    void keyMustMatchTheCertificate() throws Exception {
        TestCertificates.ec(dir, "client");
        TestCertificates.ec(dir, "other");
        TestCertificates.rsa(dir, "rsa");
        String expected = "expected the unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----) of "
                + dir.resolve("client.pem");
        assertThat(problems("    tls: { cert: client.pem, key: other.key }")).isEqualTo("t.yaml:6:35: "
                + "pools.web.tls.key: " + dir.resolve("other.key") + " does not match the certificate in "
                + dir.resolve("client.pem") + " (another key pair); " + expected);
        assertThat(problems("    tls: { cert: client.pem, key: rsa.key }")).isEqualTo("t.yaml:6:35: "
                + "pools.web.tls.key: " + dir.resolve("rsa.key") + " is not an EC private key; " + expected);
        assertThat(parse("    tls: { cert: rsa.pem, key: rsa.key }").pool("web").tls()).isPresent();
    }

    // Keys the proxy cannot read (PKCS#1, SEC1, encrypted, none at all) are refused with how to convert them.
    @Test
    void keyFormatsTheProxyCannotRead() throws Exception {
        TestCertificates.ec(dir, "client");
        TestCertificates.rsa(dir, "rsa");
        Path sec1 = dir.resolve("sec1.key");
        Path pkcs1 = dir.resolve("pkcs1.key");
        Path encrypted = dir.resolve("encrypted.key");
        OpensslFiles.run("ec", "-in", dir.resolve("client.key").toString(), "-out", sec1.toString());
        OpensslFiles.run("rsa", "-traditional", "-in", dir.resolve("rsa.key").toString(), "-out",
                pkcs1.toString());
        OpensslFiles.run("pkcs8", "-topk8", "-in", dir.resolve("client.key").toString(), "-out",
                encrypted.toString(), "-passout", "pass:secret");
        String expected = "expected the unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----) of ";
        assertThat(problems("    tls: { cert: client.pem, key: sec1.key }")).isEqualTo("t.yaml:6:35: "
                + "pools.web.tls.key: " + sec1 + " is a SEC1 EC key (-----BEGIN EC PRIVATE KEY-----); expected "
                + "PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt -in " + sec1 + " -out NEW.key");
        assertThat(problems("    tls: { cert: rsa.pem, key: pkcs1.key }")).isEqualTo("t.yaml:6:32: "
                + "pools.web.tls.key: " + pkcs1 + " is a PKCS#1 RSA key (-----BEGIN RSA PRIVATE KEY-----); expected "
                + "PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + " -out NEW.key");
        assertThat(problems("    tls: { cert: client.pem, key: encrypted.key }")).isEqualTo("t.yaml:6:35: "
                + "pools.web.tls.key: " + encrypted + " is encrypted; " + expected + dir.resolve("client.pem")
                + " (openssl pkcs8 -topk8 -nocrypt)");
        assertThat(problems("    tls: { cert: client.pem, key: client.pem }")).isEqualTo("t.yaml:6:35: "
                + "pools.web.tls.key: " + dir.resolve("client.pem") + " holds no PEM private key; " + expected
                + dir.resolve("client.pem"));
    }

    // A client certificate file without a certificate is a problem at cert; its key is then not judged.
    @Test
    void certFileWithoutCertificate() throws Exception {
        TestCertificates.ec(dir, "client");
        assertThat(problems("    tls: { cert: client.key, key: client.key }")).isEqualTo("t.yaml:6:18: "
                + "pools.web.tls.cert: " + dir.resolve("client.key") + " holds no PEM certificate "
                + "(-----BEGIN CERTIFICATE-----); expected a PEM file with the client certificate first, then its "
                + "intermediates");
    }

    // SNI carries a host name: an IP address or a malformed name is refused; unknown keys too.
    @Test
    void sniMustBeAHostName() {
        assertThat(problems("    tls: { sni: 10.0.0.1, snii: x }")).isEqualTo(String.join("\n",
                "t.yaml:6:17: pools.web.tls.sni: '10.0.0.1' is an IP address; SNI carries host names only (leave "
                        + "sni unset to verify each backend against its own address)",
                "t.yaml:6:27: pools.web.tls.snii: unknown key; did you mean 'sni'?"));
        assertThat(problems("    tls: { sni: 'app_1.internal' }")).isEqualTo("t.yaml:6:17: pools.web.tls.sni: "
                + "'app_1.internal' is not a host name; expected a DNS name such as app.internal");
    }
}
