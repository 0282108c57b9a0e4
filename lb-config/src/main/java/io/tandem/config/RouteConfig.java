package io.tandem.config;

import java.util.List;
import java.util.Optional;

/**
 * A routing rule of a listener: requests that {@code match} holds for go to
 * {@code pool}. The first wave's form ({@code host} and {@code path-prefix} on
 * the route itself) is kept in {@code host} and {@code pathPrefix} and folded
 * into {@code match}, which is what the proxy reads.
 *
 * @param host       the first wave's host condition, or null
 * @param pathPrefix the first wave's path prefix, or null
 * @param pool       where matching requests go
 * @param match      every condition of the route, the first wave's included
 * @param rewrite    what changes in requests and responses ({@link RewriteConfig#NONE} for nothing)
 * @param redirect   answers with a redirect instead of a pool (then {@code pool} is null)
 * @param respond    answers with a fixed response instead of a pool (then {@code pool} is null)
 * @param access     who may use the route, after the listener's own {@code access}
 * @param limits     body size and per-client limits ({@link RouteLimits#NONE} for none)
 * @param cache      the cache of this route's requests: a name of {@code caches}, {@link #NO_CACHE} for
 *                   none, or null for the listener's
 * @param cacheIgnoreCookies the cookie names this route's cache lookups ignore, replacing the cache's list;
 *                   empty for the cache's own list
 */
public record RouteConfig(String host, String pathPrefix, String pool, RouteMatch match, RewriteConfig rewrite,
                          Optional<RedirectConfig> redirect, Optional<RespondConfig> respond, AccessConfig access,
                          RouteLimits limits, String cache, Optional<List<String>> cacheIgnoreCookies) {

    /** {@code cache: off}: the route's requests are not cached even when the listener's are. */
    public static final String NO_CACHE = "off";

    public RouteConfig {
        cacheIgnoreCookies = cacheIgnoreCookies.map(List::copyOf);
    }

    /** A route that takes the listener's cache, as before caches existed. */
    public RouteConfig(String host, String pathPrefix, String pool, RouteMatch match, RewriteConfig rewrite,
                       Optional<RedirectConfig> redirect, Optional<RespondConfig> respond, AccessConfig access,
                       RouteLimits limits) {
        this(host, pathPrefix, pool, match, rewrite, redirect, respond, access, limits, null, Optional.empty());
    }

    /** A first-wave route: host and path prefix (either may be null). */
    public RouteConfig(String host, String pathPrefix, String pool) {
        this(host, pathPrefix, pool, RouteMatch.of(host, pathPrefix));
    }

    /** A route to a pool that changes nothing. */
    public RouteConfig(String host, String pathPrefix, String pool, RouteMatch match) {
        this(host, pathPrefix, pool, match, RewriteConfig.NONE, Optional.empty(), Optional.empty());
    }

    /** A route open to every client. */
    public RouteConfig(String host, String pathPrefix, String pool, RouteMatch match, RewriteConfig rewrite,
                       Optional<RedirectConfig> redirect, Optional<RespondConfig> respond) {
        this(host, pathPrefix, pool, match, rewrite, redirect, respond, AccessConfig.OPEN);
    }

    /** A route without limits. */
    public RouteConfig(String host, String pathPrefix, String pool, RouteMatch match, RewriteConfig rewrite,
                       Optional<RedirectConfig> redirect, Optional<RespondConfig> respond, AccessConfig access) {
        this(host, pathPrefix, pool, match, rewrite, redirect, respond, access, RouteLimits.NONE);
    }
}
