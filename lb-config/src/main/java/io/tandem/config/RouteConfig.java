package io.tandem.config;

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
 */
public record RouteConfig(String host, String pathPrefix, String pool, RouteMatch match) {

    /** A first-wave route: host and path prefix (either may be null). */
    public RouteConfig(String host, String pathPrefix, String pool) {
        this(host, pathPrefix, pool, RouteMatch.of(host, pathPrefix));
    }
}
