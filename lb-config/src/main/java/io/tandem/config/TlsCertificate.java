package io.tandem.config;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * One certificate of a TLS listener, read and checked when the config is
 * loaded: what {@code tandem check} accepted is exactly what the listener
 * serves, even if the files change between check and load.
 *
 * @param certFile the PEM file it was read from (leaf first, then intermediates)
 * @param keyFile  the PEM file of the private key
 * @param chain    the leaf certificate first
 * @param key      the leaf's private key (checked to match the leaf's public key)
 * @param names    the DNS names it covers, lower case: the subject alternative names, else the
 *                 subject's common name; a name may be a wildcard {@code *.example.com}
 * @param ocsp     the OCSP response stapled to it; empty for none
 */
public record TlsCertificate(String certFile, String keyFile, List<X509Certificate> chain, PrivateKey key,
                             List<String> names, Optional<OcspResponse> ocsp) {

    public TlsCertificate {
        chain = List.copyOf(chain);
        names = List.copyOf(names);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The files and names only: a private key never goes into a log line. */
    @Override
    public String toString() {
        return "TlsCertificate[" + certFile + ", " + names + "]";
    }
}
