package io.tandem.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made by the tests, with the {@code openssl} command line an
 * operator would use: a CA, and leaf certificates it signs (RSA 2048 or ECDSA
 * P-256) for given DNS names. Nothing private is ever committed; each test
 * makes its own in a temporary directory.
 */
final class TestPki {

    /** The key type of a certificate. */
    enum KeyType {
        RSA("-newkey", "rsa:2048"),
        ECDSA("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");

        final List<String> newKey;

        KeyType(String... newKey) {
            this.newKey = List.of(newKey);
        }
    }

    /** A certificate (PEM, the leaf first and then the CA for a leaf) and its private key (PEM, PKCS#8). */
    record Issued(Path cert, Path key) {}

    private final Path dir;
    private final Issued ca;
    private int serial;

    /** A new CA named {@code name} in {@code dir}. */
    TestPki(Path dir, String name) throws IOException {
        this.dir = Files.createDirectories(dir);
        Path cert = dir.resolve(name + "-ca.pem");
        Path key = dir.resolve(name + "-ca.key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "30", "-subj", "/CN=" + name + " test CA",
                "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        this.ca = new Issued(cert, key);
    }

    /** The CA's certificate and key. */
    Issued ca() {
        return ca;
    }

    /** A server certificate for {@code names} (the first is the subject's CN), valid for {@code days}. */
    Issued server(String file, KeyType type, int days, String... names) throws IOException {
        return issue(file, type, days, "serverAuth", names);
    }

    /** A client certificate with the subject {@code CN=commonName}. */
    Issued client(String file, KeyType type, String commonName) throws IOException {
        return issue(file, type, 30, "clientAuth", commonName);
    }

    private Issued issue(String file, KeyType type, int days, String usage, String... names) throws IOException {
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path leaf = dir.resolve(file + ".leaf.pem");
        Path chain = dir.resolve(file + ".pem");
        Path ext = dir.resolve(file + ".ext");
        List<String> req = new ArrayList<>(List.of("req", "-new"));
        req.addAll(type.newKey);
        req.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + names[0]));
        openssl(req.toArray(String[]::new));
        StringBuilder san = new StringBuilder("subjectAltName=");
        for (int i = 0; i < names.length; i++) {
            san.append(i == 0 ? "" : ",").append(names[i].matches("[0-9.]+|.*:.*") ? "IP:" : "DNS:").append(names[i]);
        }
        Files.writeString(ext, san + "\nextendedKeyUsage=" + usage + "\nbasicConstraints=CA:false\n");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-set_serial", Integer.toString(++serial + 1000), "-days", Integer.toString(days),
                "-extfile", ext.toString(), "-out", leaf.toString());
        Files.writeString(chain, Files.readString(leaf) + Files.readString(ca.cert()));
        return new Issued(chain, key);
    }

    /**
     * An OCSP response {@code name.ocsp} (DER) from this CA saying "good" for {@code leaf}, valid for
     * {@code days}, as {@code openssl ocsp} acting as the responder writes it.
     */
    Path ocspResponse(String name, Issued leaf, int days) throws IOException {
        String serial = openssl("x509", "-in", leaf.cert().toString(), "-noout", "-serial").trim();
        Path index = dir.resolve(name + ".index");
        Files.writeString(index, "V\t491231000000Z\t\t" + serial.substring(serial.indexOf('=') + 1)
                + "\tunknown\t/CN=leaf\n");
        Path out = dir.resolve(name + ".ocsp");
        openssl("ocsp", "-index", index.toString(), "-rsigner", ca.cert().toString(), "-rkey", ca.key().toString(),
                "-CA", ca.cert().toString(), "-issuer", ca.cert().toString(), "-cert", leaf.cert().toString(),
                "-no_nonce", "-ndays", Integer.toString(days), "-respout", out.toString());
        return out;
    }

    /** Runs {@code openssl} with {@code args}; fails with its output when it does not exit 0. */
    static String openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish within 30 s: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("openssl exited " + p.exitValue() + ": " + command + "\n" + out);
        }
        return out;
    }
}
