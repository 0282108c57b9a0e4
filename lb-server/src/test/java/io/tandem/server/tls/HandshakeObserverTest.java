package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.tandem.server.metrics.TlsMeters.Failure;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The reason of a failed handshake, from BoringSSL's reason codes and the JDK's messages alike. */
class HandshakeObserverTest {

    private static SSLHandshakeException ssl(String message) {
        return new SSLHandshakeException(message);
    }

    // Each engine's wording of the same failure lands on the same reason, also when wrapped.
    @Test
    void reasonsOfBothEngines() {
        assertThat(HandshakeObserver.reason(ssl("error:10000066:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER")))
                .isEqualTo(Failure.NO_SHARED_CIPHER);
        assertThat(HandshakeObserver.reason(ssl("no cipher suites in common"))).isEqualTo(Failure.NO_SHARED_CIPHER);
        assertThat(HandshakeObserver.reason(ssl("No supported signature algorithm")))
                .isEqualTo(Failure.NO_SHARED_CIPHER);
        assertThat(HandshakeObserver.reason(new DecoderException(ssl(
                "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL"))))
                .isEqualTo(Failure.PROTOCOL_VERSION);
        assertThat(HandshakeObserver.reason(ssl("Client requested protocol TLSv1.1 is not enabled or supported in "
                + "server context"))).isEqualTo(Failure.PROTOCOL_VERSION);
        assertThat(HandshakeObserver.reason(ssl("error:1000007c:SSL routines:OPENSSL_internal:"
                + "PEER_DID_NOT_RETURN_A_CERTIFICATE"))).isEqualTo(Failure.BAD_CERTIFICATE);
        assertThat(HandshakeObserver.reason(new SslHandshakeTimeoutException("handshake timed out after 1000ms")))
                .isEqualTo(Failure.TIMEOUT);
        assertThat(HandshakeObserver.reason(new ClosedChannelException())).isEqualTo(Failure.OTHER);
        assertThat(HandshakeObserver.reason(ssl(null))).isEqualTo(Failure.OTHER);
    }
}
