package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.tandem.config.TicketKeys;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** HAProxy-format ticket key lines to the engine's 16-byte name, HMAC secret and AES key, in file order. */
class TicketKeysTest {

    private static byte[] counting(int length, int from) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    // 80 bytes: name, then the first 16 of the 32-byte HMAC secret and of the 32-byte AES key; 48 bytes as they are.
    @Test
    void splitsBothLineSizes() {
        byte[] long80 = counting(80, 0);
        byte[] short48 = counting(48, 100);
        OpenSslSessionTicketKey[] keys = ListenerTls.ticketKeys(new TicketKeys("t.key", List.of(
                Base64.getEncoder().encodeToString(long80), Base64.getEncoder().encodeToString(short48))));
        assertThat(keys).hasSize(2);
        assertThat(keys[0].name()).isEqualTo(Arrays.copyOfRange(long80, 0, 16));
        assertThat(keys[0].hmacKey()).isEqualTo(Arrays.copyOfRange(long80, 16, 32));
        assertThat(keys[0].aesKey()).isEqualTo(Arrays.copyOfRange(long80, 48, 64));
        assertThat(keys[1].name()).isEqualTo(Arrays.copyOfRange(short48, 0, 16));
        assertThat(keys[1].hmacKey()).isEqualTo(Arrays.copyOfRange(short48, 16, 32));
        assertThat(keys[1].aesKey()).isEqualTo(Arrays.copyOfRange(short48, 32, 48));
    }
}
