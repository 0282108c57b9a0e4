package io.tandem.server.tls;

import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager factory for exactly one certificate, under one fixed alias: what
 * Netty's caching key material provider needs (a stable alias per key), without
 * a {@link KeyStore} (a PKCS#12 store would encrypt the key with 10,000 rounds of
 * PBKDF2 at every load only to decrypt it again).
 *
 * <p>The alias is offered for the key types of the key's own algorithm: {@code RSA}
 * or {@code EC}, also as TLS 1.2's {@code EC_EC}/{@code EC_RSA} (the key's type,
 * then the signer's), so a cipher for the other key type finds nothing here.
 */
final class OneKey extends KeyManagerFactory {

    static final String ALIAS = "certificate";

    OneKey(PrivateKey key, X509Certificate[] chain) {
        super(new Spi(new Manager(key, chain)), null, "tandem-one-key");
    }

    private static final class Spi extends KeyManagerFactorySpi {
        private final Manager manager;

        Spi(Manager manager) {
            this.manager = manager;
        }

        @Override
        protected void engineInit(KeyStore store, char[] password) {
            // the key and chain are given at construction
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) {
            // the key and chain are given at construction
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return new KeyManager[] {manager};
        }
    }

    private static final class Manager extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        Manager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain.clone();
        }

        private String aliasFor(String keyType) {
            if (keyType == null) {
                return null;
            }
            int separator = keyType.indexOf('_');
            String algorithm = separator < 0 ? keyType : keyType.substring(0, separator);
            return algorithm.equals(key.getAlgorithm()) ? ALIAS : null;
        }

        private String[] aliasesFor(String keyType) {
            return aliasFor(keyType) == null ? null : new String[] {ALIAS};
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return aliasesFor(keyType);
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
