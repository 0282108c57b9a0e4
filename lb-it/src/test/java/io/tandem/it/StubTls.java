package io.tandem.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The server side of an HTTPS {@link StubBackend}: its certificate from
 * {@link TestPki}, and, for mutual TLS, the CA its clients' certificates must
 * chain to (null: no client certificate asked for). The JDK's server reads
 * a PKCS#12 file, which {@code openssl pkcs12 -export} makes from the PEM pair.
 */
record StubTls(TestPki.Issued certificate, Path clientCa) {

    private static final char[] PASSWORD = "stub".toCharArray();

    /** A server with {@code certificate} that asks for no client certificate. */
    StubTls(TestPki.Issued certificate) {
        this(certificate, null);
    }

    boolean requiresClientCertificate() {
        return clientCa != null;
    }

    SSLContext context() throws IOException {
        Path p12 = certificate.cert().resolveSibling(certificate.cert().getFileName() + ".p12");
        TestPki.openssl("pkcs12", "-export", "-in", certificate.cert().toString(), "-inkey",
                certificate.key().toString(), "-out", p12.toString(), "-passout", "pass:" + new String(PASSWORD));
        try (InputStream in = Files.newInputStream(p12)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD);
            KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            km.init(keys, PASSWORD);
            TrustManagerFactory tm = null;
            if (clientCa != null) {
                KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
                trusted.load(null, null);
                try (InputStream ca = Files.newInputStream(clientCa)) {
                    Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(ca);
                    trusted.setCertificateEntry("client-ca", c);
                }
                tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tm.init(trusted);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(km.getKeyManagers(), tm == null ? null : tm.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load " + p12 + ": " + e.getMessage(), e);
        }
    }
}
