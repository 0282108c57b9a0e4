package io.tandem.server.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The bearer token that mutating admin calls must carry
 * ({@code Authorization: Bearer TOKEN}), read once from {@code admin.token-file}.
 * Without a token file every call is allowed: the admin port then relies on
 * being bound to loopback. Immutable.
 */
public final class AdminToken {

    static final AdminToken NONE = new AdminToken(null);

    private final byte[] expected;

    private AdminToken(byte[] expected) {
        this.expected = expected;
    }

    /**
     * Reads the token of {@code file} (surrounding whitespace trimmed), or none
     * when {@code file} is null; a missing or empty file is an {@link IllegalStateException}.
     */
    public static AdminToken load(String file) {
        if (file == null) {
            return NONE;
        }
        String token;
        try {
            token = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read admin token file " + file + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw new IllegalStateException("admin token file " + file + " is empty");
        }
        return new AdminToken(token.getBytes(StandardCharsets.UTF_8));
    }

    boolean required() {
        return expected != null;
    }

    /** The check of an Authorization value for other users of the token (PURGE); null when none is set. */
    public java.util.function.Predicate<String> check() {
        return expected == null ? null : this::permits;
    }

    /** Whether an Authorization header value carries the token; compared in constant time. */
    boolean permits(String authorization) {
        if (expected == null) {
            return true;
        }
        if (authorization == null) {
            return false;
        }
        String value = authorization.strip();
        // The scheme name is case-insensitive (RFC 9110, section 11.1).
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(expected, value.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }
}
