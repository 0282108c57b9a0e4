package io.tandem.config;

import java.time.Duration;

/**
 * A route's limits, each 0 when not set.
 *
 * @param body        largest request body in bytes (413 beyond)
 * @param rate        requests per {@code window} per client address (429 beyond)
 * @param window      the rate's unit: one second, minute or hour
 * @param connections requests in flight per client address (429 beyond)
 */
public record RouteLimits(long body, int rate, Duration window, int connections) {

    public static final RouteLimits NONE = new RouteLimits(0, 0, Duration.ofSeconds(1), 0);

    /** Whether a client address has counters on this route. */
    public boolean perClient() {
        return rate > 0 || connections > 0;
    }
}
