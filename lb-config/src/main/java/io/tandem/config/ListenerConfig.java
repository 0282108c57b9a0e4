package io.tandem.config;

import java.time.Duration;
import java.util.List;

/**
 * A client-facing listener.
 *
 * @param pool          the default pool, used when no route matches
 * @param headerTimeout time a client has to send a whole request head (408 beyond)
 * @param idleTimeout   keep-alive idle time of a client connection
 * @param maxHeaderSize request head size limit (431 beyond)
 * @param maxUriLength  request-target length limit (414 beyond)
 * @param routes        first match wins
 */
public record ListenerConfig(
        String name,
        HostPort bind,
        String pool,
        Duration headerTimeout,
        Duration idleTimeout,
        int maxHeaderSize,
        int maxUriLength,
        List<RouteConfig> routes) {

    public ListenerConfig {
        routes = List.copyOf(routes);
    }
}
