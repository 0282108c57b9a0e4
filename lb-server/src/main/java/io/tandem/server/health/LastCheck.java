package io.tandem.server.health;

import java.time.Instant;

/** The latest active check of a backend, for /status. */
public record LastCheck(ProbeResult result, Instant at, long durationMillis) {}
