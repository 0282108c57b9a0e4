package io.tandem.config;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Client certificates (mutual TLS) on a TLS listener.
 *
 * @param caFile      the PEM file of the CAs whose client certificates are accepted
 * @param authorities its certificates, read and checked when the config was loaded
 * @param required    a handshake without a client certificate fails; else the certificate is optional
 * @param header      the request header that carries the client certificate's subject to backends;
 *                    whatever a client sent in it is removed first
 */
public record ClientCertificateConfig(String caFile, List<X509Certificate> authorities, boolean required,
                                      String header) {

    public ClientCertificateConfig {
        authorities = List.copyOf(authorities);
    }
}
