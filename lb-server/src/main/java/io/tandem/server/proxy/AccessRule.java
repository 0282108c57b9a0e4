package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.config.AccessConfig;
import io.tandem.config.CidrRange;

/**
 * A listener's or a route's {@code access}, compiled once per config load:
 * deny ranges first, then allow ranges, then (routes only) basic auth. The
 * address tests are array walks over the client's address bytes; an open rule
 * is one field read. Immutable apart from {@link BasicAuth}'s cache; shared by
 * every event loop.
 */
final class AccessRule {

    static final AccessRule OPEN = new AccessRule(AccessConfig.OPEN);

    /** {@link #check}: the request may go on. */
    static final int ALLOWED = 0;

    private final boolean open;
    private final CidrRange[] allow;
    private final CidrRange[] deny;
    private final BasicAuth basicAuth;

    private AccessRule(AccessConfig config) {
        this.open = config.open();
        this.allow = config.allow().toArray(new CidrRange[0]);
        this.deny = config.deny().toArray(new CidrRange[0]);
        this.basicAuth = config.basicAuth().map(BasicAuth::new).orElse(null);
    }

    static AccessRule of(AccessConfig config) {
        return config.open() ? OPEN : new AccessRule(config);
    }

    /**
     * {@link #ALLOWED}, 403 (the address is denied or not allowed), 401 (no
     * valid credentials) or 503 (credentials to check, but this event loop's share
     * of time for password checks is used up: see {@link BasicAuth}). {@code source}: the client's address bytes, or null when unknown.
     */
    int check(byte[] source, HttpHeaders headers) {
        if (open) {
            return ALLOWED;
        }
        if (source != null) {
            for (CidrRange range : deny) {
                if (range.contains(source)) {
                    return 403;
                }
            }
        }
        if (allow.length > 0 && !inAny(allow, source)) {
            return 403;
        }
        if (basicAuth != null) {
            switch (basicAuth.check(headers.get(HttpHeaderNames.AUTHORIZATION))) {
                case FAILED:
                    return 401;
                case BUSY:
                    return 503;
                default:
                    break;
            }
        }
        return ALLOWED;
    }

    private static boolean inAny(CidrRange[] ranges, byte[] source) {
        if (source == null) {
            return false;
        }
        for (CidrRange range : ranges) {
            if (range.contains(source)) {
                return true;
            }
        }
        return false;
    }

    /** The text of a refusal with {@code code}, a result of {@link #check}. */
    static String reason(int code) {
        return switch (code) {
            case 401 -> "This resource needs a user name and password.";
            case 503 -> "Too many new passwords are being checked at once; retry in a moment.";
            default -> "Access from your address is not allowed.";
        };
    }

    /** The {@code WWW-Authenticate} value of a 401 from this rule. */
    String challenge() {
        return basicAuth == null ? null : basicAuth.challenge();
    }
}
