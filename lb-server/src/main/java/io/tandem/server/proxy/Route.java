package io.tandem.server.proxy;

import io.tandem.config.RouteConfig;

/**
 * One route of a listener as the data path reads it: its compiled conditions
 * and where matching requests go. The listener's default route has no
 * conditions. Immutable, built once per config load.
 */
final class Route {

    private final RouteMatcher matcher;
    private final PoolRuntime pool;

    private Route(RouteMatcher matcher, PoolRuntime pool) {
        this.matcher = matcher;
        this.pool = pool;
    }

    static Route of(RouteConfig config, PoolRuntime pool) {
        return new Route(new RouteMatcher(config.match()), pool);
    }

    /** The route of requests no configured route matches. */
    static Route fallback(PoolRuntime pool) {
        return new Route(null, pool);
    }

    boolean matches(RequestFacts request) {
        return matcher == null || matcher.matches(request);
    }

    PoolRuntime pool() {
        return pool;
    }
}
