package io.tandem.server.tls;

import io.netty.buffer.ByteBuf;

/**
 * What a ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2)
 * says of the certificates a client can verify, read from the handshake body
 * Netty hands the SNI handler (from {@code client_version} on). Only reads;
 * a truncated or odd hello answers "no". Stateless.
 */
final class ClientHellos {

    private static final int SIGNATURE_ALGORITHMS = 0x000d;
    private static final int SUPPORTED_VERSIONS = 0x002b;
    private static final int TLS_1_3 = 0x0304;

    private ClientHellos() {}

    /**
     * Whether the client can take an ECDSA certificate: it lists an ECDSA
     * signature scheme with SHA-2 (ecdsa_secp256r1_sha256, _secp384r1_sha384,
     * _secp521r1_sha512) and either offers TLS 1.3 (any suite works with any
     * certificate there) or offers a TLS 1.2 ECDHE_ECDSA cipher suite.
     */
    static boolean supportsEcdsa(ByteBuf hello) {
        try {
            int at = hello.readerIndex() + 34; // version and random
            int end = hello.writerIndex();
            at += 1 + hello.getUnsignedByte(at); // session id
            int suites = hello.getUnsignedShort(at);
            boolean ecdsaSuite = false;
            for (int i = at + 2; i < at + 2 + suites; i += 2) {
                ecdsaSuite |= isEcdsaSuite(hello.getUnsignedShort(i));
            }
            at += 2 + suites;
            at += 1 + hello.getUnsignedByte(at); // compression methods
            int extensionsEnd = Math.min(end, at + 2 + hello.getUnsignedShort(at));
            at += 2;
            boolean ecdsaSignature = false;
            boolean tls13 = false;
            while (at + 4 <= extensionsEnd) {
                int type = hello.getUnsignedShort(at);
                int length = hello.getUnsignedShort(at + 2);
                int body = at + 4;
                if (body + length > extensionsEnd) {
                    return false;
                }
                if (type == SIGNATURE_ALGORITHMS) {
                    int listEnd = Math.min(body + length, body + 2 + hello.getUnsignedShort(body));
                    for (int i = body + 2; i + 2 <= listEnd; i += 2) {
                        int scheme = hello.getUnsignedShort(i);
                        ecdsaSignature |= scheme == 0x0403 || scheme == 0x0503 || scheme == 0x0603;
                    }
                } else if (type == SUPPORTED_VERSIONS) {
                    int listEnd = Math.min(body + length, body + 1 + hello.getUnsignedByte(body));
                    for (int i = body + 1; i + 2 <= listEnd; i += 2) {
                        tls13 |= hello.getUnsignedShort(i) == TLS_1_3;
                    }
                }
                at = body + length;
            }
            return ecdsaSignature && (tls13 || ecdsaSuite);
        } catch (IndexOutOfBoundsException e) {
            return false;
        }
    }

    /** The TLS 1.2 ECDHE_ECDSA suites (AES-GCM, ChaCha20, AES-CBC). */
    private static boolean isEcdsaSuite(int suite) {
        switch (suite) {
            case 0xc02b: case 0xc02c: case 0xcca9: case 0xc009: case 0xc00a: case 0xc023: case 0xc024:
                return true;
            default:
                return false;
        }
    }
}
