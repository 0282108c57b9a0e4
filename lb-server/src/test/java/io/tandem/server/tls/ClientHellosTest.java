package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Whether a ClientHello lets the server answer with an ECDSA certificate. */
class ClientHellosTest {

    private static final int[] ECDSA_SHA256 = {0x0403};
    private static final int[] RSA_ONLY = {0x0804, 0x0401};

    /** A ClientHello body: version, random, empty session id, the suites, null compression, the extensions. */
    private static ByteBuf hello(int[] suites, int[] signatureSchemes, boolean offersTls13) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x0303).writeZero(32).writeByte(0);
        b.writeShort(suites.length * 2);
        for (int s : suites) {
            b.writeShort(s);
        }
        b.writeByte(1).writeByte(0);
        ByteBuf ext = Unpooled.buffer();
        if (signatureSchemes != null) {
            ext.writeShort(0x000d).writeShort(2 + signatureSchemes.length * 2).writeShort(signatureSchemes.length * 2);
            for (int s : signatureSchemes) {
                ext.writeShort(s);
            }
        }
        if (offersTls13) {
            ext.writeShort(0x002b).writeShort(5).writeByte(4).writeShort(0x0304).writeShort(0x0303);
        }
        b.writeShort(ext.readableBytes()).writeBytes(ext);
        ext.release();
        return b;
    }

    private static boolean ecdsa(ByteBuf hello) {
        try {
            return ClientHellos.supportsEcdsa(hello);
        } finally {
            hello.release();
        }
    }

    // TLS 1.3 with an ECDSA scheme, or TLS 1.2 with an ECDHE_ECDSA suite and an ECDSA scheme: yes.
    @Test
    void ecdsaCapableClients() {
        assertThat(ecdsa(hello(new int[] {0x1301}, ECDSA_SHA256, true))).isTrue();
        assertThat(ecdsa(hello(new int[] {0xc02f, 0xc02b}, ECDSA_SHA256, false))).isTrue();
        assertThat(ecdsa(hello(new int[] {0xcca9}, new int[] {0x0804, 0x0503}, false))).isTrue();
    }

    // RSA-only schemes, no ECDSA suite in TLS 1.2, no signature_algorithms at all, or a truncated hello: no.
    @Test
    void rsaOnlyOrUnreadableClients() {
        assertThat(ecdsa(hello(new int[] {0x1301}, RSA_ONLY, true))).isFalse();
        assertThat(ecdsa(hello(new int[] {0xc02f, 0xc030}, ECDSA_SHA256, false))).isFalse();
        assertThat(ecdsa(hello(new int[] {0xc02b}, null, false))).isFalse();
        ByteBuf whole = hello(new int[] {0x1301}, ECDSA_SHA256, true);
        ByteBuf truncated = whole.copy(0, 40);
        whole.release();
        assertThat(ecdsa(truncated)).isFalse();
    }
}
