package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How TLS failures read in logs and /status (real handshakes: BackendTlsTest). */
class NetErrorsTest {

    private static <T extends Throwable> T causedBy(T t, Throwable cause) {
        t.initCause(cause);
        return t;
    }

    static Stream<Arguments> failures() {
        CertificateException pkix = causedBy(new CertificateException("PKIX path building failed: "
                + "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification "
                + "path to requested target"), new Exception("unable to find valid certification path to requested "
                + "target"));
        String wrongCa = "TLS handshake failed: certificate verify failed: PKIX path building failed: unable to find "
                + "valid certification path to requested target";
        return Stream.of(
                // The certificate's refusal is named, without the JDK's class names, each message once.
                Arguments.of(causedBy(new SSLHandshakeException("PKIX path building failed"), pkix), wrongCa),
                // As the pipeline sees it: wrapped by the decoder.
                Arguments.of(new DecoderException(causedBy(new SSLHandshakeException("x"), pkix)), wrongCa),
                // A handshake failure that is not about the certificate.
                Arguments.of(new SSLHandshakeException("Received fatal alert: handshake_failure"),
                        "TLS handshake failed: Received fatal alert: handshake_failure"),
                // After the handshake, a TLS failure is not a handshake's.
                Arguments.of(new DecoderException(new SSLException("error:1e000065:Cipher functions:"
                        + "OPENSSL_internal:BAD_DECRYPT")), "TLS error: error:1e000065:Cipher functions:"
                        + "OPENSSL_internal:BAD_DECRYPT"),
                Arguments.of(new SslHandshakeTimeoutException("handshake timed out after 300ms"),
                        "TLS handshake timed out after 300ms"));
    }

    // Each failure reads as one line that says what failed and why.
    @ParameterizedTest
    @MethodSource("failures")
    void tlsFailuresReadAsSuch(Throwable cause, String expected) {
        assertThat(NetErrors.describe(cause)).isEqualTo(expected);
    }

    // A handshake that timed out is a timeout (a connect timeout to the retry rule); a refused one is not.
    @ParameterizedTest
    @MethodSource("failures")
    void onlyTheHandshakeTimeoutIsATimeout(Throwable cause, String expected) {
        assertThat(NetErrors.isTimeout(cause)).isEqualTo(cause instanceof SslHandshakeTimeoutException);
    }
}
