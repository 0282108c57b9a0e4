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
     * {@link #ALLOWED}, 403 (the address is denied or not allowed) or 401 (no
     * valid credentials). {@code source}: the client's address bytes, or null when unknown.
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
        if (basicAuth != null && !basicAuth.allows(headers.get(HttpHeaderNames.AUTHORIZATION))) {
            return 401;
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

    /** The {@code WWW-Authenticate} value of a 401 from this rule. */
    String challenge() {
        return basicAuth == null ? null : basicAuth.challenge();
    }
}
