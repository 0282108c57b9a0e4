package io.tandem.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;

class OneKeyTest {

    private static X509ExtendedKeyManager manager(String algorithm) throws Exception {
        PrivateKey key = KeyPairGenerator.getInstance(algorithm).generateKeyPair().getPrivate();
        OneKey factory = new OneKey(key, new X509Certificate[0]);
        factory.init(null, null);
        return (X509ExtendedKeyManager) factory.getKeyManagers()[0];
    }

    @Test
    void anEcKeyIsOfferedForEcKeyTypesOnly() throws Exception {
        X509ExtendedKeyManager m = manager("EC");
        assertEquals(OneKey.ALIAS, m.chooseEngineServerAlias("EC", null, null));
        assertEquals(OneKey.ALIAS, m.chooseEngineServerAlias("EC_EC", null, null));
        assertEquals(OneKey.ALIAS, m.chooseEngineServerAlias("EC_RSA", null, null));
        assertNull(m.chooseEngineServerAlias("RSA", null, null));
        assertNull(m.chooseEngineServerAlias("DH_RSA", null, null));
    }

    @Test
    void anRsaKeyIsOfferedForRsaOnly() throws Exception {
        X509ExtendedKeyManager m = manager("RSA");
        assertEquals(OneKey.ALIAS, m.chooseServerAlias("RSA", null, null));
        assertArrayEquals(new String[] {OneKey.ALIAS}, m.getServerAliases("RSA", null));
        assertNull(m.chooseServerAlias("EC", null, null));
        assertNull(m.getServerAliases("EC", null));
        assertNull(m.chooseServerAlias(null, null, null));
    }

    @Test
    void theKeyIsUnderItsAliasOnlyAndNeverAClientKey() throws Exception {
        PrivateKey key = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
        OneKey factory = new OneKey(key, new X509Certificate[0]);
        X509ExtendedKeyManager m = (X509ExtendedKeyManager) factory.getKeyManagers()[0];
        assertSame(key, m.getPrivateKey(OneKey.ALIAS));
        assertNull(m.getPrivateKey("other"));
        assertNull(m.getCertificateChain("other"));
        assertNull(m.chooseClientAlias(new String[] {"EC"}, null, null));
    }
}
