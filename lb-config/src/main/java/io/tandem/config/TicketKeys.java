package io.tandem.config;

import java.util.Base64;
import java.util.List;

/**
 * The session ticket keys of a TLS listener, in HAProxy's {@code tls-ticket-keys}
 * format: one base64 line per key, 80 bytes (a 16-byte name, a 32-byte HMAC
 * secret, a 32-byte AES key) or 48 bytes (16 each). The first line encrypts new
 * tickets; every line decrypts, so a pair of nodes with the same file resumes
 * each other's sessions, and a key rotated out of first place still opens the
 * tickets it made.
 *
 * @param file  the file they were read from
 * @param lines the keys as written (base64), first the one that encrypts; each checked to decode to 48 or
 *              80 bytes
 */
public record TicketKeys(String file, List<String> lines) {

    public TicketKeys {
        lines = List.copyOf(lines);
    }

    /** The key of line {@code i}, 48 or 80 bytes. */
    public byte[] key(int i) {
        return Base64.getDecoder().decode(lines.get(i));
    }
}
