package io.tandem.config;

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
 */
public record RouteConfig(String host, String pathPrefix, String pool, RouteMatch match, RewriteConfig rewrite,
                          Optional<RedirectConfig> redirect, Optional<RespondConfig> respond, AccessConfig access,
                          RouteLimits limits) {

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
