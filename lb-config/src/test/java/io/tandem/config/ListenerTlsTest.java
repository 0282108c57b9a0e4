package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's {@code tls} section: certificates read and checked at load, versions and ciphers. */
class ListenerTlsTest {

    @TempDir
    Path dir;

    private OpensslFiles files;

    @BeforeEach
    void certificates() throws Exception {
        files = new OpensslFiles(dir);
        files.ecdsa("site", "/CN=site.example.com", "site.example.com", "*.site.example.com");
        files.rsa("legacy", "/CN=legacy.example.com");
    }

    private TandemConfig parse(String tls) throws ConfigException {
        return ConfigLoader.parse(yaml(tls), "t.yaml", Map.<String, String>of()::get, dir, new java.util.HashSet<>());
    }

    private String problems(String tls) {
        try {
            parse(tls);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected problems with tls: " + tls);
    }

    /** The {@code tls:} key is on line 4, its keys from line 5 on, indented by 6. */
    private static String yaml(String tls) {
        return String.join("\n",
                "listeners:",
                "  - bind: 127.0.0.1:8443",
                "    pool: web",
                "    tls:",
                tls.indent(6).stripTrailing(),
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "");
    }

    // Certificates are read at load with their names: SAN DNS names, else the subject's CN; defaults apply.
    @Test
    void readsCertificatesWithTheirNames() throws Exception {
        ListenerTlsConfig tls = parse(String.join("\n",
                "certificates:",
                "  - { cert: site.pem, key: site.key }",
                "  - { cert: legacy.pem, key: legacy.key }")).listeners().get(0).tls().orElseThrow();
        assertThat(tls.certificates()).extracting(TlsCertificate::names).containsExactly(
                List.of("site.example.com", "*.site.example.com"), List.of("legacy.example.com"));
        assertThat(tls.certificates().get(0).certFile()).isEqualTo(dir.resolve("site.pem").toString());
        assertThat(tls.certificates().get(0).key().getAlgorithm()).isEqualTo("EC");
        assertThat(tls.certificates().get(1).key().getAlgorithm()).isEqualTo("RSA");
        assertThat(tls.strictSni()).isFalse();
        assertThat(tls.minVersion()).isEqualTo(ListenerTlsConfig.TlsVersion.TLS_1_2);
        assertThat(tls.ciphers()).containsExactly("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
                "ECDHE-RSA-CHACHA20-POLY1305");
        assertThat(tls.certificates().get(0).toString()).doesNotContain("PRIVATE").contains("site.example.com");
    }

    // A listener without tls stays plain.
    @Test
    void noTlsSectionIsPlain() throws Exception {
        TandemConfig c = ConfigLoader.parse(yaml("{}").replace("    tls:\n      {}\n", ""), "t.yaml");
        assertThat(c.listeners().get(0).tls()).isEmpty();
    }

    // Keys in the traditional formats (PKCS#1 RSA, SEC1 EC) load like PKCS#8 ones.
    @Test
    void traditionalKeyFormats() throws Exception {
        OpensslFiles.run("genrsa", "-traditional", "-out", files.file("pkcs1.key").toString(), "2048");
        files.forKey("pkcs1", files.file("pkcs1.key"), "/CN=one.example.com");
        OpensslFiles.run("ecparam", "-name", "prime256v1", "-genkey", "-out", files.file("sec1.key").toString());
        files.forKey("sec1", files.file("sec1.key"), "/CN=two.example.com");
        assertThat(Files.readString(files.file("pkcs1.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(files.file("sec1.key"))).contains("BEGIN EC PRIVATE KEY");
        ListenerTlsConfig tls = parse(String.join("\n",
                "certificates:",
                "  - { cert: pkcs1.pem, key: pkcs1.key }",
                "  - { cert: sec1.pem, key: sec1.key }",
                "min-version: TLSv1.3",
                "strict-sni: true",
                "ciphers: ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")).listeners().get(0).tls()
                .orElseThrow();
        assertThat(tls.certificates()).extracting(TlsCertificate::names).containsExactly(
                List.of("one.example.com"), List.of("two.example.com"));
        assertThat(tls.minVersion()).isEqualTo(ListenerTlsConfig.TlsVersion.TLS_1_3);
        assertThat(tls.strictSni()).isTrue();
        assertThat(tls.ciphers()).containsExactly("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256");
    }

    // A key that is not the certificate's is reported at the key, with file, position and key path.
    @Test
    void mismatchedKey() {
        assertThat(problems(String.join("\n",
                "certificates:",
                "  - { cert: site.pem, key: legacy.key }")))
                .isEqualTo("t.yaml:6:34: listeners[0].tls.certificates[0].key: " + dir.resolve("legacy.key")
                        + " is not the private key of " + dir.resolve("site.pem") + " (the first certificate of the "
                        + "file must be the one the key belongs to)");
    }

    // Missing, non-PEM and encrypted files are each reported at their key.
    @Test
    void unreadableFiles() throws Exception {
        Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        OpensslFiles.run("pkey", "-in", files.file("site.key").toString(), "-aes256", "-passout", "pass:secret",
                "-out", files.file("locked.key").toString());
        String problems = problems(String.join("\n",
                "certificates:",
                "  - { cert: nosuch.pem, key: site.key }",
                "  - { cert: junk.pem, key: locked.key }",
                "  - { cert: site.pem, key: junk.pem }"));
        assertThat(problems.lines()).containsExactly(
                "t.yaml:6:19: listeners[0].tls.certificates[0].cert: cannot read " + dir.resolve("nosuch.pem")
                        + ": no such file; expected a PEM certificate chain",
                "t.yaml:7:19: listeners[0].tls.certificates[1].cert: " + dir.resolve("junk.pem") + " holds no "
                        + "certificate; expected PEM (-----BEGIN CERTIFICATE-----), the leaf first, then its "
                        + "intermediates",
                "t.yaml:7:34: listeners[0].tls.certificates[1].key: " + dir.resolve("locked.key") + " is encrypted; "
                        + "the daemon starts unattended and needs the key unencrypted (openssl pkey -in "
                        + dir.resolve("locked.key") + " -out NEW-FILE), readable by it only",
                "t.yaml:8:34: listeners[0].tls.certificates[2].key: " + dir.resolve("junk.pem") + " holds no private "
                        + "key; expected PEM (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    // TLS 1.0 and 1.1 cannot be enabled; an unknown cipher gets a suggestion; certificates are required.
    @Test
    void versionsCiphersAndCertificates() {
        assertThat(problems(String.join("\n",
                "min-version: TLSv1.1",
                "ciphers: ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA265")).lines()).containsExactly(
                "t.yaml:4:5: listeners[0].tls.certificates: is required",
                "t.yaml:5:20: listeners[0].tls.min-version: 'TLSv1.1' is not a TLS version; did you mean 'TLSv1.2'? "
                        + "expected TLSv1.2 or TLSv1.3",
                "t.yaml:6:16: listeners[0].tls.ciphers: 'ECDHE-RSA-AES128-GCM-SHA265' is not a TLS 1.2 cipher "
                        + "suite Tandem offers; did you mean 'ECDHE-RSA-AES128-GCM-SHA256'? expected a colon-separated "
                        + "list of OpenSSL names from: " + String.join(", ", ListenerTlsConfig.KNOWN_CIPHERS));
    }

    // redirect-http and hsts are read on a TLS listener; hsts takes s, m, h or d up to two years.
    @Test
    void redirectAndHsts() throws Exception {
        ListenerConfig l = ConfigLoader.parse(String.join("\n",
                "listeners:",
                "  - bind: 127.0.0.1:8443",
                "    pool: web",
                "    tls: { certificates: [ { cert: site.pem, key: site.key } ] }",
                "    redirect-http: { from: 127.0.0.1:8080 }",
                "    hsts: 180d",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                ""), "t.yaml", Map.<String, String>of()::get, dir, new java.util.HashSet<>()).listeners().get(0);
        assertThat(l.redirectHttp()).contains(HostPort.parse("127.0.0.1:8080"));
        assertThat(l.hsts()).contains(java.time.Duration.ofDays(180));
        assertThat(Units.parseMaxAge("31536000s")).isEqualTo(java.time.Duration.ofDays(365));
        assertThat(Units.parseMaxAge("0s")).isEqualTo(java.time.Duration.ZERO);
    }

    // Both need tls; a redirect cannot share a port with a listener, another redirect or the admin server.
    @Test
    void redirectAndHstsProblems() {
        String problems = TestConfigs.problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web, hsts: 1y, redirect-http: { from: 127.0.0.1:8081 } }",
                "  - { bind: 127.0.0.1:8443, pool: web, hsts: 731d, redirect-http: { from: '*:8080' },",
                "      tls: { certificates: [ { cert: " + dir.resolve("site.pem") + ", key: "
                        + dir.resolve("site.key") + " } ] } }",
                "  - { bind: 127.0.0.1:8444, pool: web, redirect-http: { from: 127.0.0.1:9901 },",
                "      tls: { certificates: [ { cert: " + dir.resolve("site.pem") + ", key: "
                        + dir.resolve("site.key") + " } ] } }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]");
        assertThat(problems.lines()).containsExactly(
                "t.yaml:2:46: listeners[0].hsts: '1y' is not a max-age; expected a whole number with a unit such as "
                        + "180d, 365d or 31536000s",
                "t.yaml:2:46: listeners[0].hsts: only applies to a listener with tls (browsers ignore it over plain "
                        + "http)",
                "t.yaml:2:65: listeners[0].redirect-http: only applies to a listener with tls (it redirects to this "
                        + "listener over https)",
                "t.yaml:3:46: listeners[1].hsts: '731d' is too long; expected at most 730d",
                "t.yaml:3:75: listeners[1].redirect-http.from: *:8080 overlaps the bind of listeners[0] "
                        + "127.0.0.1:8080",
                "t.yaml:5:63: listeners[2].redirect-http.from: 127.0.0.1:9901 overlaps the admin bind 127.0.0.1:9901");
    }

    // client-ca turns on mutual TLS, required by default, with the subject in X-Client-Cert unless renamed.
    @Test
    void clientCertificates() throws Exception {
        ListenerTlsConfig tls = parse(String.join("\n",
                "certificates: [ { cert: site.pem, key: site.key } ]",
                "client-ca: legacy.pem")).listeners().get(0).tls().orElseThrow();
        ClientCertificateConfig clients = tls.clients().orElseThrow();
        assertThat(clients.caFile()).isEqualTo(dir.resolve("legacy.pem").toString());
        assertThat(clients.authorities()).hasSize(1);
        assertThat(clients.required()).isTrue();
        assertThat(clients.header()).isEqualTo("X-Client-Cert");
        ClientCertificateConfig optional = parse(String.join("\n",
                "certificates: [ { cert: site.pem, key: site.key } ]",
                "client-ca: legacy.pem",
                "client-auth: optional",
                "client-cert-header: X-Subject")).listeners().get(0).tls().orElseThrow().clients().orElseThrow();
        assertThat(optional.required()).isFalse();
        assertThat(optional.header()).isEqualTo("X-Subject");
        assertThat(parse("certificates: [ { cert: site.pem, key: site.key } ]").listeners().get(0).tls()
                .orElseThrow().clients()).isEmpty();
    }

    // A CA file without certificates, a bad header name, and the client keys without client-ca are reported.
    @Test
    void clientCertificateProblems() throws Exception {
        assertThat(problems(String.join("\n",
                "certificates: [ { cert: site.pem, key: site.key } ]",
                "client-ca: site.key",
                "client-cert-header: X Subject")).lines()).containsExactly(
                "t.yaml:6:18: listeners[0].tls.client-ca: " + dir.resolve("site.key") + " holds no certificate; "
                        + "expected the PEM certificates (-----BEGIN CERTIFICATE-----) of the CAs that sign client "
                        + "certificates",
                "t.yaml:7:27: listeners[0].tls.client-cert-header: 'X Subject' is not a header name; expected "
                        + "letters, digits and !#$%&'*+.^_`|~-");
        assertThat(problems(String.join("\n",
                "certificates: [ { cert: site.pem, key: site.key } ]",
                "client-auth: optional")).lines()).containsExactly(
                "t.yaml:6:20: listeners[0].tls.client-auth: only applies with client-ca (the CAs of the client "
                        + "certificates)");
    }

    // Ticket keys: base64 lines of 80 or 48 bytes, comments and blank lines skipped, the first line first.
    @Test
    void ticketKeys() throws Exception {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String first = b64.encodeToString(new byte[80]);
        String second = b64.encodeToString(new byte[48]);
        Files.writeString(dir.resolve("tickets.key"), "# rotated daily\n" + first + "\n\n" + second + "\n");
        TicketKeys keys = parse(String.join("\n",
                "certificates: [ { cert: site.pem, key: site.key } ]",
                "ticket-keys: tickets.key")).listeners().get(0).tls().orElseThrow().ticketKeys().orElseThrow();
        assertThat(keys.file()).isEqualTo(dir.resolve("tickets.key").toString());
        assertThat(keys.lines()).containsExactly(first, second);
        assertThat(keys.key(0)).hasSize(80);
    }

    // A line of the wrong size or not base64, and an empty file, are reported with the file and line.
    @Test
    void ticketKeyProblems() throws Exception {
        String expected = "; expected base64 lines of 80 random bytes, the first encrypting "
                + "(openssl rand 80 | base64 -w0)";
        Files.writeString(dir.resolve("short.key"), java.util.Base64.getEncoder().encodeToString(new byte[80]) + "\n"
                + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Files.writeString(dir.resolve("junk.key"), "not*base64\n");
        Files.writeString(dir.resolve("empty.key"), "\n");
        for (String[] c : new String[][] {{"short.key", " line 2 holds 32 bytes"},
                {"junk.key", " line 1 is not base64"}, {"empty.key", " holds no key"}}) {
            assertThat(problems(String.join("\n",
                    "certificates: [ { cert: site.pem, key: site.key } ]",
                    "ticket-keys: " + c[0]))).isEqualTo("t.yaml:6:20: listeners[0].tls.ticket-keys: "
                    + dir.resolve(c[0]) + c[1] + expected);
        }
    }

    // A good OCSP response for the certificate is read with its next update; others are refused at the ocsp key.
    @Test
    void ocspResponses() throws Exception {
        Path site = files.file("site.pem");
        Path key = files.file("site.key");
        String serial = OpensslFiles.serial(site);
        files.ocsp("good", site, key, "V", serial);
        files.ocsp("revoked", site, key, "R", serial);
        files.ocsp("unknown", site, key, "V", "0ABC");
        Path legacy = files.file("legacy.pem");
        String legacySerial = OpensslFiles.serial(legacy);
        files.ocsp("other", legacy, files.file("legacy.key"), "V", legacySerial);
        Files.writeString(dir.resolve("junk.ocsp"), "not DER");
        TlsCertificate c = parse("certificates: [ { cert: site.pem, key: site.key, ocsp: good.ocsp } ]").listeners()
                .get(0).tls().orElseThrow().certificates().get(0);
        OcspResponse ocsp = c.ocsp().orElseThrow();
        assertThat(ocsp.file()).isEqualTo(dir.resolve("good.ocsp").toString());
        assertThat(ocsp.der()).isEqualTo(Files.readAllBytes(dir.resolve("good.ocsp")));
        assertThat(ocsp.nextUpdate()).isBetween(java.time.Instant.now().plusSeconds(86_000),
                java.time.Instant.now().plusSeconds(86_500));
        String prefix = "t.yaml:5:62: listeners[0].tls.certificates[0].ocsp: ";
        assertThat(problems("certificates: [ { cert: site.pem, key: site.key, ocsp: revoked.ocsp } ]"))
                .isEqualTo(prefix + dir.resolve("revoked.ocsp") + " says the certificate of " + site
                        + " is revoked; expected a response with status good");
        assertThat(problems("certificates: [ { cert: site.pem, key: site.key, ocsp: unknown.ocsp } ]"))
                .isEqualTo(prefix + dir.resolve("unknown.ocsp") + " says the certificate of " + site
                        + " is unknown to its responder; expected a response with status good");
        assertThat(problems("certificates: [ { cert: site.pem, key: site.key, ocsp: other.ocsp } ]"))
                .isEqualTo(prefix + dir.resolve("other.ocsp") + " answers for serial "
                        + new java.math.BigInteger(legacySerial, 16).toString(16) + ", not for the certificate of "
                        + site + " (serial " + new java.math.BigInteger(serial, 16).toString(16) + ")");
        assertThat(problems("certificates: [ { cert: site.pem, key: site.key, ocsp: junk.ocsp } ]"))
                .isEqualTo(prefix + dir.resolve("junk.ocsp") + " is not a DER OCSP response; expected the output of "
                        + "openssl ocsp -respout");
    }

    // Keys clients or the engines refuse: RSA under 2048 bits, EC on a curve other than P-256/384/521.
    @Test
    void weakAndExoticKeys() throws Exception {
        OpensslFiles.run("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", files.file("small.key").toString(),
                "-out", files.file("small.pem").toString(), "-days", "2", "-subj", "/CN=small");
        OpensslFiles.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out",
                files.file("k1.key").toString());
        files.forKey("k1", files.file("k1.key"), "/CN=k1");
        assertThat(problems("certificates: [ { cert: small.pem, key: small.key } ]")).isEqualTo(
                "t.yaml:5:47: listeners[0].tls.certificates[0].key: " + dir.resolve("small.key")
                        + " is an RSA key of 1024 bits; expected at least 2048");
        assertThat(problems("certificates: [ { cert: k1.pem, key: k1.key } ]")).isEqualTo(
                "t.yaml:5:44: listeners[0].tls.certificates[0].key: " + dir.resolve("k1.key")
                        + " is an EC key on curve 1.3.132.0.10; expected P-256, P-384 or P-521");
    }
}
