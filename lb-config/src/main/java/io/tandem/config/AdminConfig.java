package io.tandem.config;

/**
 * The admin endpoint: metrics, status, drain/enable, reload.
 *
 * @param tokenFile file holding a bearer token for mutating calls, or null
 */
public record AdminConfig(HostPort bind, String tokenFile) {}
