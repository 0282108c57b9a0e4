package io.tandem.config;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Self-signed certificates and keys for the pool TLS file checks, as a pair of
 * paths; {@link OpensslFiles} makes them with the {@code openssl} command line
 * in a test's temporary directory (no private key is ever committed).
 */
final class TestCertificates {

    private TestCertificates() {}

    /** A certificate and its PKCS#8 key. */
    record Pair(Path cert, Path key) {}

    /** A self-signed certificate for {@code name} with an EC P-256 key, as NAME.pem and NAME.key in {@code dir}. */
    static Pair ec(Path dir, String name) throws IOException {
        return new Pair(new OpensslFiles(dir).ecdsa(name, "/CN=" + name), dir.resolve(name + ".key"));
    }

    /** The same with an RSA 2048 key. */
    static Pair rsa(Path dir, String name) throws IOException {
        return new Pair(new OpensslFiles(dir).rsa(name, "/CN=" + name), dir.resolve(name + ".key"));
    }
}
