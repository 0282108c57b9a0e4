package io.tandem.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS clients for the tests, all to loopback: {@code openssl s_client} (what it printed, as an operator
 * would read it) and Java's {@link SSLSocket} trusting a test CA.
 */
final class TlsClients {

    private TlsClients() {}

    /** What one {@code openssl s_client} run printed. */
    record SClient(String output) {
        /** The served certificate's subject as s_client prints it, e.g. {@code CN = a.example.com}; null if none. */
        String subject() {
            return group("(?m)^subject=(.*)$");
        }

        /** The protocol and cipher, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}; {@code (NONE) (NONE)} on failure. */
        String negotiated() {
            Matcher m = Pattern.compile("(?m)^New, (\\S+), Cipher is (\\S+)$").matcher(output);
            return m.find() ? m.group(1) + " " + m.group(2) : null;
        }

        /** Whether the handshake resumed a session ({@code Reused, ...}) rather than made a new one. */
        boolean reused() {
            return output.contains("\nReused, ");
        }

        /** The ALPN protocol chosen, or null for "No ALPN negotiated". */
        String alpn() {
            return group("(?m)^ALPN protocol: (.*)$");
        }

        /** The number of the TLS alert the server sent, or -1. */
        int alert() {
            String n = group("SSL alert number (\\d+)");
            return n == null ? -1 : Integer.parseInt(n);
        }

        private String group(String regex) {
            Matcher m = Pattern.compile(regex).matcher(output);
            return m.find() ? m.group(1).trim() : null;
        }
    }

    /** Runs {@code openssl s_client -connect 127.0.0.1:PORT ARGS} with nothing to send; its whole output. */
    static SClient sClient(int port, String... args) throws IOException {
        return sClientSending(port, "", args);
    }

    /**
     * Runs {@code openssl s_client -connect 127.0.0.1:PORT -ign_eof ARGS}, sends {@code input} (e.g. an
     * HTTP/1.0 request, which the server answers and then closes) and reads until the server closes: so
     * whatever the server sends after the handshake (TLS 1.3 session tickets) arrives.
     */
    static SClient sClientSending(int port, String input, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        if (!input.isEmpty()) {
            command.add("-ign_eof");
        }
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.ISO_8859_1));
        p.getOutputStream().close();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl s_client did not finish within 30 s: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new SClient(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** A client context that trusts only the CA certificate in {@code caPem}. */
    static SSLContext trusting(Path caPem) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(caPem))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A TLS connection to loopback {@code port} with SNI {@code name}, through its handshake. */
    static SSLSocket connect(SSLContext context, int port, String name) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(name)));
        params.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(params);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** The serial number of the certificate the server presented on {@code socket}. */
    static BigInteger servedSerial(SSLSocket socket) throws IOException {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
}
