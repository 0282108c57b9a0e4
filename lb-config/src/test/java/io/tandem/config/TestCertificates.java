package io.tandem.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates and keys for the TLS file checks, made with the
 * {@code openssl} command line in a test's temporary directory (no private key
 * is ever committed).
 */
final class TestCertificates {

    private TestCertificates() {}

    /** A certificate and its PKCS#8 key. */
    record Pair(Path cert, Path key) {}

    /** A self-signed certificate for {@code name} with an EC P-256 key, as NAME.pem and NAME.key in {@code dir}. */
    static Pair ec(Path dir, String name) throws IOException {
        return make(dir, name, "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    }

    /** The same with an RSA 2048 key. */
    static Pair rsa(Path dir, String name) throws IOException {
        return make(dir, name, "rsa:2048");
    }

    private static Pair make(Path dir, String name, String... newKey) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey"));
        args.addAll(List.of(newKey));
        args.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=" + name));
        openssl(args.toArray(String[]::new));
        return new Pair(cert, key);
    }

    /** Runs {@code openssl} with {@code args}; fails with its output when it does not exit 0. */
    static void openssl(String... args) throws IOException {
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
    }
}
