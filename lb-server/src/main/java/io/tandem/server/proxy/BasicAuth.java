package io.tandem.server.proxy;

import io.tandem.config.AccessConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * HTTP basic authentication (RFC 7617) against the bcrypt hashes of a route's
 * file, checked with BouncyCastle's {@link OpenBSDBCrypt}.
 *
 * <p>A bcrypt check is slow on purpose (tens of milliseconds at cost 10) and
 * runs on the event loop, so each {@code Authorization} value that passed is
 * remembered: a client sends the same value with every request, and only its
 * first request pays. The memory holds at most {@link #REMEMBERED} values and is
 * emptied when full; it belongs to one config load (a reload starts afresh, so
 * a removed user is locked out at once). Failures are not remembered. Safe from
 * any event loop.
 */
final class BasicAuth {

    static final int REMEMBERED = 4096;
    private static final String BASIC = "Basic ";

    private final Map<String, String> users;
    private final String challenge;
    private final Map<String, Boolean> passed = new ConcurrentHashMap<>();

    BasicAuth(AccessConfig.BasicAuthConfig config) {
        this.users = config.users();
        this.challenge = "Basic realm=\"" + config.realm() + "\", charset=\"UTF-8\"";
    }

    String challenge() {
        return challenge;
    }

    /** Whether {@code authorization} (the header's value, or null) names a user of the file with its password. */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return false;
        }
        if (passed.containsKey(authorization)) {
            return true;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        String hash = colon < 0 ? null : users.get(decoded.substring(0, colon));
        if (hash == null || !OpenBSDBCrypt.checkPassword(hash, decoded.substring(colon + 1).toCharArray())) {
            return false;
        }
        if (passed.size() >= REMEMBERED) {
            passed.clear();
        }
        passed.put(authorization, Boolean.TRUE);
        return true;
    }
}
