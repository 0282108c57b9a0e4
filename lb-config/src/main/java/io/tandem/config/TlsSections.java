package io.tandem.config;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The {@code tls} sections of listeners and pools. Their files are read and
 * checked here, at load, as the proxy will use them: a missing file, a key
 * that is not its certificate's, or a format the engine cannot read is a
 * problem of the config (with its position), not of every later handshake.
 */
final class TlsSections {

    private TlsSections() {}

    /** A listener's TLS section; its certificates are read and checked now (see {@link CertificateFiles}). */
    static ListenerTlsConfig listener(Section s) {
        List<TlsCertificate> certificates = new ArrayList<>();
        for (Section c : s.list("certificates")) {
            String cert = c.file("cert");
            String key = c.file("key");
            String ocsp = c.file("ocsp");
            if (cert != null && key != null) {
                TlsCertificate read = CertificateFiles.read(cert, key, ocsp, c::problem);
                if (read != null) {
                    certificates.add(read);
                }
            }
        }
        boolean strictSni = s.bool("strict-sni");
        ListenerTlsConfig.TlsVersion minVersion = ListenerTlsConfig.TlsVersion.fromConfig(s.choice("min-version"));
        List<String> ciphers = List.of(s.string("ciphers").split(":", -1));
        for (String cipher : ciphers) {
            if (!ListenerTlsConfig.KNOWN_CIPHERS.contains(cipher)) {
                String hint = Suggestions.closest(cipher, ListenerTlsConfig.KNOWN_CIPHERS);
                s.problem("ciphers", "'" + cipher + "' is not a TLS 1.2 cipher suite Tandem offers; "
                        + (hint != null ? "did you mean '" + hint + "'? " : "") + "expected a colon-separated "
                        + "list of OpenSSL names from: " + String.join(", ", ListenerTlsConfig.KNOWN_CIPHERS));
            }
        }
        return new ListenerTlsConfig(certificates, strictSni, minVersion, ciphers, clients(s), ticketKeys(s));
    }

    /** The ticket keys file of a listener's TLS section: base64 lines of 48 or 80 bytes, at least one. */
    private static Optional<TicketKeys> ticketKeys(Section s) {
        String file = s.file("ticket-keys");
        if (file == null) {
            return Optional.empty();
        }
        String expected = "expected base64 lines of 80 random bytes, the first encrypting "
                + "(openssl rand 80 | base64 -w0)";
        String text = ConfigLoader.readFile(s, "ticket-keys", file, expected);
        if (text == null) {
            return Optional.empty();
        }
        List<String> lines = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int bytes;
            try {
                bytes = Base64.getDecoder().decode(line).length;
            } catch (IllegalArgumentException e) {
                s.problem("ticket-keys", file + " line " + (i + 1) + " is not base64; " + expected);
                return Optional.empty();
            }
            if (bytes != 80 && bytes != 48) {
                s.problem("ticket-keys", file + " line " + (i + 1) + " holds " + bytes + " bytes; " + expected);
                return Optional.empty();
            }
            lines.add(line);
        }
        if (lines.isEmpty()) {
            s.problem("ticket-keys", file + " holds no key; " + expected);
            return Optional.empty();
        }
        return Optional.of(new TicketKeys(file, lines));
    }

    /** The mutual TLS keys of a listener's TLS section; empty without {@code client-ca}. */
    private static Optional<ClientCertificateConfig> clients(Section s) {
        String caFile = s.file("client-ca");
        boolean required = s.choice("client-auth").equals("required");
        String header = s.string("client-cert-header");
        if (!header.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            s.problem("client-cert-header", "'" + header + "' is not a header name; expected letters, digits "
                    + "and !#$%&'*+.^_`|~-");
        }
        if (caFile == null) {
            for (String key : List.of("client-auth", "client-cert-header")) {
                if (s.has(key)) {
                    s.problem(key, "only applies with client-ca (the CAs of the client certificates)");
                }
            }
            return Optional.empty();
        }
        List<X509Certificate> authorities = CertificateFiles.authorities(caFile, s::problem);
        return authorities == null ? Optional.empty()
                : Optional.of(new ClientCertificateConfig(caFile, authorities, required, header));
    }

    /**
     * A pool's {@code tls}: its files are read here as the proxy will load
     * them, so a missing file, a key that is not the certificate's, or a
     * format the proxy cannot read is a problem of the file, not of every
     * later handshake.
     */
    static BackendTlsConfig backend(Section s) {
        String ca = s.file("ca");
        boolean verify = s.bool("verify");
        String sni = s.string("sni");
        String cert = s.file("cert");
        String key = s.file("key");
        if (ca != null && !verify) {
            s.problem("ca", "is not used with verify: false; remove it, or set verify: true to check backends "
                    + "against it");
        } else if (ca != null) {
            try {
                BackendTlsFiles.certificates(ca, "expected a PEM file of the CA certificates that backends' "
                        + "certificates chain to");
            } catch (BackendTlsFiles.Unusable e) {
                s.problem("ca", e.getMessage());
            }
        }
        if (sni != null) {
            if (IpLiteral.parse(sni) != null) {
                s.problem("sni", "'" + sni + "' is an IP address; SNI carries host names only (leave sni unset "
                        + "to verify each backend against its own address)");
            } else if (sni.length() > 253 || !sni.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                    + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
                s.problem("sni", "'" + sni + "' is not a host name; expected a DNS name such as app.internal");
            }
        }
        if (cert != null && key == null && !s.has("key")) {
            s.problem("cert", "needs key: the private key of this client certificate");
        }
        if (key != null && cert == null && !s.has("cert")) {
            s.problem("key", "needs cert: the client certificate of this key");
        }
        if (cert != null) {
            try {
                List<X509Certificate> chain = BackendTlsFiles.certificates(cert, "expected a PEM file with "
                        + "the client certificate first, then its intermediates");
                if (key != null) {
                    try {
                        BackendTlsFiles.keyOf(chain.get(0), cert, key);
                    } catch (BackendTlsFiles.Unusable e) {
                        s.problem("key", e.getMessage());
                    }
                }
            } catch (BackendTlsFiles.Unusable e) {
                s.problem("cert", e.getMessage());
            }
        }
        return new BackendTlsConfig(ca, verify, sni == null ? null : Units.lower(sni), cert, key);
    }
}
