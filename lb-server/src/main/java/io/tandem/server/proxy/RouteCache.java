package io.tandem.server.proxy;

import io.tandem.core.cache.RequestRules;
import io.tandem.server.cache.HttpCache;

/**
 * The cache of one route: the {@link HttpCache} its requests are looked up
 * in, and the cookie names its lookups ignore (the route's own list, or the
 * cache's when {@code cookies} is null). Immutable, built once per config load.
 */
record RouteCache(HttpCache cache, RequestRules.CookieFilter cookies) {

    /** The filter in force: the route's, else the cache's current one. */
    RequestRules.CookieFilter cookieFilter() {
        return cookies != null ? cookies : cache.settings().cookies();
    }
}
