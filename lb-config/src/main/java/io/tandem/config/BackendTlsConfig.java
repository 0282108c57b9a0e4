package io.tandem.config;

/**
 * HTTPS to every backend of a pool (the pool's {@code tls} section; its presence turns TLS on).
 *
 * @param ca     absolute path of the PEM file of CA certificates that backends' certificates must chain to;
 *               null trusts the JDK's default CAs
 * @param verify whether the backend's chain and its name (the {@code sni} name, else the backend's host) are
 *               checked; false accepts any certificate
 * @param sni    the server name sent in the handshake and verified, for every backend of the pool; null sends
 *               each backend's own host name (none for an IP address) and verifies against that host
 * @param cert   absolute path of the PEM client certificate chain (mutual TLS), null for none
 * @param key    absolute path of the PEM (PKCS#8) private key of {@code cert}; set exactly when {@code cert} is
 */
public record BackendTlsConfig(String ca, boolean verify, String sni, String cert, String key) {}
