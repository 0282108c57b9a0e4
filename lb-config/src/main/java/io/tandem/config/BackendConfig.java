package io.tandem.config;

/**
 * One backend server of a pool.
 *
 * @param backup used only when no primary backend of the pool is up
 */
public record BackendConfig(HostPort address, int weight, boolean backup) {}
