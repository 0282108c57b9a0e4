package io.tandem.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates and keys made with the {@code openssl} command line in a test's temporary
 * directory, in the formats operators have: nothing private is committed.
 */
final class OpensslFiles {

    private final Path dir;

    OpensslFiles(Path dir) {
        this.dir = dir;
    }

    /** A self-signed ECDSA P-256 certificate {@code name.pem} with key {@code name.key} (PKCS#8). */
    Path ecdsa(String name, String subject, String... dnsNames) throws IOException {
        return selfSigned(name, List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"), subject, dnsNames);
    }

    /** A self-signed RSA 2048 certificate {@code name.pem} with key {@code name.key} (PKCS#8). */
    Path rsa(String name, String subject, String... dnsNames) throws IOException {
        return selfSigned(name, List.of("-newkey", "rsa:2048"), subject, dnsNames);
    }

    /** A self-signed certificate for an existing key file (any PEM format openssl reads). */
    Path forKey(String name, Path key, String subject) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        run("req", "-x509", "-key", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", subject);
        return cert;
    }

    /**
     * An OCSP response {@code name.ocsp} for the self-signed {@code cert} (signed by its own key
     * {@code key}): {@code status} is V (good) or R (revoked) for {@code serialHex}.
     */
    Path ocsp(String name, Path cert, Path key, String status, String serialHex) throws IOException {
        Path index = dir.resolve(name + ".index");
        java.nio.file.Files.writeString(index, status + "\t301231000000Z\t" + (status.equals("R") ? "240101000000Z"
                : "") + "\t" + serialHex + "\tunknown\t/CN=x\n");
        Path out = dir.resolve(name + ".ocsp");
        run("ocsp", "-index", index.toString(), "-rsigner", cert.toString(), "-rkey", key.toString(), "-CA",
                cert.toString(), "-issuer", cert.toString(), "-cert", cert.toString(), "-no_nonce", "-ndays", "1",
                "-respout", out.toString());
        return out;
    }

    /** The serial number of {@code cert} in hex, as openssl prints it. */
    static String serial(Path cert) throws IOException {
        Process p = new ProcessBuilder("openssl", "x509", "-in", cert.toString(), "-noout", "-serial").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return out.substring(out.indexOf('=') + 1);
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    private Path selfSigned(String name, List<String> newKey, String subject, String... dnsNames) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        List<String> args = new ArrayList<>(List.of("req", "-x509"));
        args.addAll(newKey);
        args.addAll(List.of("-nodes", "-keyout", dir.resolve(name + ".key").toString(), "-out", cert.toString(),
                "-days", "2", "-subj", subject));
        if (dnsNames.length > 0) {
            args.addAll(List.of("-addext", "subjectAltName=DNS:" + String.join(",DNS:", dnsNames)));
        }
        run(args.toArray(String[]::new));
        return cert;
    }

    /** Runs openssl; fails with its output when it does not exit 0. */
    static void run(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("openssl exited " + p.exitValue() + ": " + command + "\n" + out);
        }
    }
}
