package io.tandem.config;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An OCSP response to staple with a certificate (HAProxy's {@code .ocsp}
 * file: the DER bytes as {@code openssl ocsp -respout} writes them), read and
 * checked when the config was loaded: successful, for this certificate's
 * serial number, status good.
 *
 * @param file       the file it was read from
 * @param der        the response as sent to clients
 * @param nextUpdate when the responder said a newer response would be out; null when it did not say
 */
public record OcspResponse(String file, byte[] der, Instant nextUpdate) {

    public OcspResponse {
        der = der.clone();
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OcspResponse other && file.equals(other.file) && Arrays.equals(der, other.der);
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, Arrays.hashCode(der));
    }

    @Override
    public String toString() {
        return "OcspResponse[" + file + ", " + der.length + " bytes, next update " + nextUpdate + "]";
    }
}
