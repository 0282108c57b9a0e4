package io.tandem.server.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * The TLS implementation of every listener of this process, chosen once:
 * OpenSSL (BoringSSL from netty-tcnative) when its native library loads,
 * else the JDK's own. BoringSSL is the faster of the two and the one that
 * can take shared session ticket keys and staple OCSP responses.
 */
public enum TlsEngine {
    OPENSSL(SslProvider.OPENSSL),
    JDK(SslProvider.JDK);

    private static final TlsEngine CURRENT = OpenSsl.isAvailable() ? OPENSSL : JDK;

    private final SslProvider provider;

    TlsEngine(SslProvider provider) {
        this.provider = provider;
    }

    /** The engine of this process. */
    public static TlsEngine current() {
        return CURRENT;
    }

    SslProvider provider() {
        return provider;
    }

    /** What the start log and {@code /status} show, e.g. "OpenSSL (BoringSSL)" or "JDK (17.0.9)". */
    public String description() {
        if (this == OPENSSL) {
            return "OpenSSL (" + OpenSsl.versionString() + ")";
        }
        return "JDK (" + Runtime.version() + ")";
    }

    /** Why OpenSSL is not used, for the log; null when it is. */
    public static String whyNotOpenSsl() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return CURRENT == OPENSSL || cause == null ? null : cause.toString();
    }
}
