package io.tandem.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files a pool's {@code tls} section names (CA certificates, a
 * client certificate chain and its key) the way the proxy will load them, so
 * that {@code tandem check} and a reload refuse a file the proxy could not use
 * instead of every backend failing its handshakes later. JDK only (this module
 * has no Netty): the key must be PKCS#8, as Netty reads keys without
 * BouncyCastle, and RSA or EC. A key matches its certificate when a signature
 * made with it verifies with the certificate's public key. Stateless.
 */
final class BackendTlsFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final byte[] PROBE = "tandem key check".getBytes(StandardCharsets.US_ASCII);

    private BackendTlsFiles() {}

    /** A file that cannot serve; the message says what is wrong and what is expected. */
    static final class Unusable extends Exception {

        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /** The certificates of a PEM file, in file order; at least one. */
    static List<X509Certificate> certificates(String file, String expected) throws Unusable {
        String text = read(file, expected);
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals("CERTIFICATE")) {
                continue;
            }
            try {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
            } catch (CertificateException | IllegalArgumentException e) {
                throw new Unusable(file + ": certificate " + (out.size() + 1) + " is not a valid X.509 "
                        + "certificate; " + expected);
            }
        }
        if (out.isEmpty()) {
            throw new Unusable(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----); " + expected);
        }
        return out;
    }

    /**
     * The private key in {@code file}, checked against {@code certificate}
     * (the first of the chain it belongs to, from {@code certFile}).
     */
    static PrivateKey keyOf(X509Certificate certificate, String certFile, String file) throws Unusable {
        String expected = "expected the unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----) of " + certFile;
        String text = read(file, expected);
        Matcher m = BLOCK.matcher(text);
        String der = null;
        while (m.find() && der == null) {
            switch (m.group(1)) {
                case "PRIVATE KEY" -> der = m.group(2);
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new Unusable(file + " is a "
                        + (m.group(1).startsWith("RSA") ? "PKCS#1 RSA" : "SEC1 EC") + " key (-----BEGIN " + m.group(1)
                        + "-----); expected PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt -in " + file
                        + " -out NEW.key");
                case "ENCRYPTED PRIVATE KEY" -> throw new Unusable(file + " is encrypted; " + expected
                        + " (openssl pkcs8 -topk8 -nocrypt)");
                default -> { }
            }
        }
        if (der == null) {
            throw new Unusable(file + " holds no PEM private key; " + expected);
        }
        PublicKey publicKey = certificate.getPublicKey();
        String algorithm = publicKey.getAlgorithm();
        String signing = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new Unusable(certFile + " has a " + algorithm + " key; expected an RSA or EC (ECDSA) "
                    + "certificate");
        };
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(decode(der)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new Unusable(file + " is not an " + algorithm + " private key; " + expected);
        }
        try {
            Signature sign = Signature.getInstance(signing);
            sign.initSign(key);
            sign.update(PROBE);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(signing);
            verify.initVerify(publicKey);
            verify.update(PROBE);
            if (!verify.verify(signature)) {
                throw new Unusable(file + " does not match the certificate in " + certFile + " (another key pair); "
                        + expected);
            }
        } catch (GeneralSecurityException e) {
            throw new Unusable(file + " does not match the certificate in " + certFile + " (" + e.getMessage()
                    + "); " + expected);
        }
        return key;
    }

    private static String read(String file, String expected) throws Unusable {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new Unusable("cannot read " + file + ": is a directory; " + expected);
        }
        try {
            return Files.readString(path, StandardCharsets.ISO_8859_1);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new Unusable("cannot read " + file + ": " + ConfigLoader.describe(e) + "; " + expected);
        }
    }

    private static byte[] decode(String base64) {
        return Base64.getMimeDecoder().decode(base64);
    }
}
