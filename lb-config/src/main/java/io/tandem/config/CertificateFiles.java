package io.tandem.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Reads a certificate chain and its private key from PEM files, the formats
 * nginx and HAProxy read: the leaf first and then its intermediates; the key
 * unencrypted as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}).
 * Checks what a handshake would only find out later: that the key is the
 * leaf's. Uses only the JDK, so {@code tandem check} finds the same problems
 * as the daemon. Stateless.
 */
final class CertificateFiles {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** P-256, P-384 and P-521, by the JDK's names and their OIDs. */
    private static final Set<String> SUPPORTED_CURVES = Set.of("secp256r1", "secp384r1", "secp521r1",
            "1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35");
    private static final byte[] RSA_ENCRYPTION = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
            0x0d, 0x01, 0x01, 0x01};
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01};

    /** Where a problem belongs: the key ({@code cert}, {@code key}, {@code client-ca}) of the file. */
    interface Problems {
        void report(String key, String message);
    }

    private CertificateFiles() {}

    /**
     * The certificate of {@code certFile} and {@code keyFile} with the OCSP response of {@code ocspFile}
     * (null for none), or null after reporting why not.
     */
    static TlsCertificate read(String certFile, String keyFile, String ocspFile, Problems problems) {
        List<X509Certificate> chain = chain(certFile, problems);
        PrivateKey key = key(keyFile, problems);
        if (chain == null || key == null) {
            return null;
        }
        String weak = weakness(key);
        if (weak != null) {
            problems.report("key", keyFile + " " + weak);
            return null;
        }
        if (!matches(key, chain.get(0))) {
            problems.report("key", keyFile + " is not the private key of " + certFile + " (the first certificate "
                    + "of the file must be the one the key belongs to)");
            return null;
        }
        Optional<OcspResponse> ocsp = Optional.empty();
        if (ocspFile != null) {
            OcspResponse response = OcspFiles.read(ocspFile, chain.get(0).getSerialNumber(), certFile, problems);
            if (response == null) {
                return null;
            }
            ocsp = Optional.of(response);
        }
        return new TlsCertificate(certFile, keyFile, chain, key, names(chain.get(0)), ocsp);
    }

    /** The CA certificates of {@code file} (PEM, one or more), or null after reporting why not. */
    static List<X509Certificate> authorities(String file, Problems problems) {
        String text = text(file, "client-ca", problems, "PEM CA certificates");
        if (text == null) {
            return null;
        }
        List<X509Certificate> cas;
        try {
            cas = certificates(text);
        } catch (CertificateException | IllegalArgumentException e) {
            problems.report("client-ca", file + " holds a broken certificate (" + message(e) + "); expected the PEM "
                    + "certificates of the CAs that sign client certificates");
            return null;
        }
        if (cas.isEmpty()) {
            problems.report("client-ca", file + " holds no certificate; expected the PEM certificates "
                    + "(-----BEGIN CERTIFICATE-----) of the CAs that sign client certificates");
            return null;
        }
        return cas;
    }

    private static List<X509Certificate> chain(String file, Problems problems) {
        String text = text(file, "cert", problems, "a PEM certificate chain");
        if (text == null) {
            return null;
        }
        List<X509Certificate> chain;
        try {
            chain = certificates(text);
        } catch (CertificateException | IllegalArgumentException e) {
            problems.report("cert", file + " holds a broken certificate (" + message(e) + "); expected PEM "
                    + "certificates, the leaf first");
            return null;
        }
        if (chain.isEmpty()) {
            problems.report("cert", file + " holds no certificate; expected PEM (-----BEGIN CERTIFICATE-----), "
                    + "the leaf first, then its intermediates");
            return null;
        }
        return chain;
    }

    /** The certificates of the PEM text, in order; other blocks (a key beside them) are left alone. */
    private static List<X509Certificate> certificates(String text) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(text)) {
            if (b.type.equals("CERTIFICATE")) {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
            }
        }
        return out;
    }

    private static PrivateKey key(String file, Problems problems) {
        String text = text(file, "key", problems, "a PEM private key");
        if (text == null) {
            return null;
        }
        for (Block b : blocks(text)) {
            try {
                switch (b.type) {
                    case "PRIVATE KEY":
                        return pkcs8(b.der);
                    case "RSA PRIVATE KEY":
                        return pkcs8(sequence(integerZero(), sequence(RSA_ENCRYPTION, new byte[] {0x05, 0x00}),
                                octetString(b.der)));
                    case "EC PRIVATE KEY":
                        return pkcs8(sequence(integerZero(), sequence(EC_PUBLIC_KEY, curve(b.der)),
                                octetString(b.der)));
                    case "ENCRYPTED PRIVATE KEY":
                        problems.report("key", file + " is encrypted; the daemon starts unattended and needs the key "
                                + "unencrypted (openssl pkey -in " + file + " -out NEW-FILE), readable by it only");
                        return null;
                    default:
                        break;
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                problems.report("key", file + " holds a broken private key (" + message(e) + ")");
                return null;
            }
        }
        problems.report("key", file + " holds no private key; expected PEM (-----BEGIN PRIVATE KEY-----, "
                + "RSA PRIVATE KEY or EC PRIVATE KEY)");
        return null;
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        } catch (GeneralSecurityException notEc) {
            try {
                return KeyFactory.getInstance("RSA").generatePrivate(spec);
            } catch (GeneralSecurityException notRsa) {
                throw new GeneralSecurityException("neither an RSA nor an ECDSA key");
            }
        }
    }

    /**
     * Why clients or the engines would refuse this key, or null: RSA under
     * 2048 bits (browsers refuse it), or an EC curve other than P-256, P-384
     * and P-521 (the JDK reads a secp256k1 key but cannot sign with it).
     */
    private static String weakness(PrivateKey key) {
        if (key instanceof RSAPrivateKey) {
            int bits = ((RSAPrivateKey) key).getModulus().bitLength();
            return bits < 2048 ? "is an RSA key of " + bits + " bits; expected at least 2048" : null;
        }
        if (key instanceof ECPrivateKey) {
            String curve;
            try {
                AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
                params.init(((ECPrivateKey) key).getParams());
                curve = params.getParameterSpec(ECGenParameterSpec.class).getName();
            } catch (GeneralSecurityException e) {
                curve = "(unnamed)";
            }
            return SUPPORTED_CURVES.contains(curve) ? null
                    : "is an EC key on curve " + curve + "; expected P-256, P-384 or P-521";
        }
        return null;
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate leaf) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] data = "tandem".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key against an ECDSA certificate
        }
    }

    /** The DNS names of the subject alternative names, else the common name; lower case. */
    static List<String> names(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            if (leaf.getSubjectAlternativeNames() != null) {
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    if (((Integer) san.get(0)) == 2) {
                        names.add(Units.lower((String) san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unreadable extension is treated as absent: the common name still names the certificate.
        }
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(Units.lower(rdn.getValue().toString()));
                    }
                }
            } catch (InvalidNameException e) {
                // No readable subject: the certificate covers no name and serves only as the default.
            }
        }
        return names;
    }

    private static String text(String file, String key, Problems problems, String expected) {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            problems.report(key, "cannot read " + file + ": is a directory; expected " + expected);
            return null;
        }
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            problems.report(key, "cannot read " + file + ": " + ConfigLoader.describe(e) + "; expected " + expected);
            return null;
        }
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
        }
        return blocks;
    }

    /**
     * The named-curve parameters ({@code [0]} of RFC 5915's ECPrivateKey) as an OID, which the
     * PKCS#8 wrapping of a SEC1 key carries in its algorithm identifier.
     */
    private static byte[] curve(byte[] sec1) {
        int[] outer = header(sec1, 0);
        int i = outer[0];
        int end = outer[0] + outer[1];
        while (i < end) {
            int[] h = header(sec1, i);
            if ((sec1[i] & 0xff) == 0xa0) {
                int[] oid = header(sec1, h[0]);
                byte[] out = new byte[oid[0] + oid[1] - h[0]];
                System.arraycopy(sec1, h[0], out, 0, out.length);
                return out;
            }
            i = h[0] + h[1];
        }
        throw new IllegalArgumentException("an EC key without its curve");
    }

    /** {offset of the content, length of the content} of the DER element at {@code at}. */
    private static int[] header(byte[] der, int at) {
        if (at + 1 >= der.length) {
            throw new IllegalArgumentException("truncated DER");
        }
        int first = der[at + 1] & 0xff;
        if (first < 0x80) {
            return new int[] {at + 2, first};
        }
        int count = first & 0x7f;
        if (count > 3 || at + 2 + count > der.length) {
            throw new IllegalArgumentException("bad DER length");
        }
        int length = 0;
        for (int k = 0; k < count; k++) {
            length = (length << 8) | (der[at + 2 + k] & 0xff);
        }
        return new int[] {at + 2 + count, length};
    }

    private static byte[] integerZero() {
        return new byte[] {0x02, 0x01, 0x00};
    }

    private static byte[] octetString(byte[] content) {
        return element(0x04, content);
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        return element(0x30, content.toByteArray());
    }

    private static byte[] element(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : Units.lower(e.getMessage());
    }
}
