package io.tandem.server.proxy;

import io.tandem.core.pool.Backend;
import io.tandem.core.strategy.RequestContext;

/**
 * Sticky sessions on any strategy ({@code sticky: { cookie: NAME }}): a
 * request whose cookie names a backend that is taking requests goes there;
 * any other request is balanced as usual, and its response sets the cookie
 * to the backend that answered. The cookie holds {@link Backend#stickyId()},
 * an opaque id, never the backend's address. Like HAProxy's
 * {@code cookie NAME insert}, the cookie is left in the request the backend
 * sees.
 *
 * <p>Stateless; called on the client's event loop.
 */
final class StickySessions {

    private StickySessions() {}

    /**
     * The cookie value the request carries for this pool's sticky cookie, or
     * null. A copy: the request context's value is only valid until its next lookup.
     */
    static String sent(PoolRuntime pool, RequestContext request) {
        String cookie = pool.settings().stickyCookie();
        CharSequence value = cookie == null ? null : request.cookie(cookie);
        return value == null ? null : value.toString();
    }

    /** The live backend the sent cookie names, or null: then the strategy picks. */
    static Backend named(PoolRuntime pool, CharSequence sent) {
        return sent == null ? null : pool.pool().stickyBackend(sent);
    }

    /**
     * The value of the {@code Set-Cookie} the response gets, naming
     * {@code answered}; null when the pool is not sticky or the request
     * already named that backend.
     */
    static String cookie(PoolRuntime pool, CharSequence sent, Backend answered) {
        String cookie = pool.settings().stickyCookie();
        if (cookie == null || (sent != null && answered.stickyId().contentEquals(sent))) {
            return null;
        }
        return cookie + "=" + answered.stickyId() + "; Path=/; HttpOnly";
    }
}
