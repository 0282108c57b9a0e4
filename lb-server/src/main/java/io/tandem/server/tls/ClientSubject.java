package io.tandem.server.tls;

import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * The subject of a client certificate as backends get it: the RFC 2253 text
 * ({@code CN=alice,O=Example}), every byte outside printable ASCII (and
 * {@code %} itself) written as {@code %XX} of its UTF-8, so the value is safe
 * in a header whatever the certificate holds. Stateless.
 */
public final class ClientSubject {

    private ClientSubject() {}

    /** The subject of the certificate the client presented in {@code tls}'s handshake, or null when it sent none. */
    public static String of(SslHandler tls) {
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length == 0 || !(chain[0] instanceof X509Certificate) ? null
                    : of(((X509Certificate) chain[0]).getSubjectX500Principal());
        } catch (SSLPeerUnverifiedException e) {
            return null; // client-auth: optional, and the client had no certificate
        }
    }

    static String of(X500Principal subject) {
        byte[] utf8 = subject.getName(X500Principal.RFC2253).getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            int c = b & 0xff;
            if (c < 0x20 || c > 0x7e || c == '%') {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
