package io.tandem.config;

import java.util.List;
import java.util.Optional;

/**
 * TLS termination on a listener.
 *
 * @param certificates the certificates a client is served, chosen by SNI; the first is the default
 * @param strictSni    refuse a handshake without SNI or with a name no certificate covers, instead of
 *                     answering with the default certificate (as HAProxy's {@code strict-sni})
 * @param minVersion   the oldest protocol version accepted; TLS 1.0 and 1.1 are never accepted
 * @param ciphers      the TLS 1.2 cipher suites in OpenSSL's names, in order of preference (TLS 1.3
 *                     suites are the engine's own and not settable)
 * @param clients      client certificates (mutual TLS); empty when clients are not asked for one
 * @param ticketKeys   session ticket keys shared with the pair's other node; empty: the engine makes its own
 */
public record ListenerTlsConfig(List<TlsCertificate> certificates, boolean strictSni, TlsVersion minVersion,
                                List<String> ciphers, Optional<ClientCertificateConfig> clients,
                                Optional<TicketKeys> ticketKeys) {

    /**
     * The TLS 1.2 suites a listener may name: the forward-secret AEAD suites of Mozilla's
     * "intermediate" profile and the older CBC and RSA-key-exchange suites that both engines
     * (BoringSSL and the JDK's) still implement, for operators who must serve old clients.
     */
    public static final List<String> KNOWN_CIPHERS = List.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
            "AES128-GCM-SHA256", "AES256-GCM-SHA384");

    public ListenerTlsConfig {
        certificates = List.copyOf(certificates);
        ciphers = List.copyOf(ciphers);
    }

    /** A protocol version a listener accepts as its oldest. */
    public enum TlsVersion {
        TLS_1_2("TLSv1.2"),
        TLS_1_3("TLSv1.3");

        private final String configName;

        TlsVersion(String configName) {
            this.configName = configName;
        }

        /** The name in the config file, which is also the JDK's and Netty's protocol name. */
        public String configName() {
            return configName;
        }

        static TlsVersion fromConfig(String text) {
            for (TlsVersion v : values()) {
                if (v.configName.equals(text)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a TLS version");
        }
    }
}
