package io.tandem.server.failover;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The warm standby's TLS client: the JDK's, for handshakes with this node's own private loopback
 * listeners. It verifies nothing, and needs not to: it talks to this process over 127.0.0.1, sends nothing
 * secret, and only wants the server's handshake path to run; the listener's certificate may well be
 * signed by a CA the JDK does not know. Never used for any other connection.
 */
final class TlsClient {

    private static final SSLContext CONTEXT = context();

    private TlsClient() {}

    private static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustingOwnListeners()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS client: " + e, e);
        }
    }

    /** An unconnected socket that speaks TLS once connected. */
    static Socket socket() throws IOException {
        return CONTEXT.getSocketFactory().createSocket();
    }

    /** A handshake asking for {@code sni} and offering {@code http/1.1}, as a browser's. */
    static void handshake(SSLSocket socket, String sni) throws IOException {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(sni.isEmpty() ? List.of() : List.of(new SNIHostName(sni)));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
    }

    /**
     * Forgets the socket's session, so the next handshake is a full one (the costly kind, which a backup
     * taking over meets from every client) instead of a resumption.
     */
    static void forget(SSLSocket socket) {
        socket.getSession().invalidate();
    }

    private static final class TrustingOwnListeners implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // a client-side manager: never asked
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // this node's own listener on loopback: see the class comment
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
