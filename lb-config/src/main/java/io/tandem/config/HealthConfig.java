package io.tandem.config;

import java.time.Duration;

/**
 * Active health checks of a pool's backends.
 *
 * @param path         request path of HTTP checks
 * @param rise         consecutive passes that bring a down backend up
 * @param fall         consecutive failures that take an up backend down
 * @param expectStatus statuses that count as a pass
 */
public record HealthConfig(
        String path,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        StatusRanges expectStatus) {}
