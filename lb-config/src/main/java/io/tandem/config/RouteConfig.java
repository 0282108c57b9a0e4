package io.tandem.config;

/**
 * A routing rule of a listener: requests whose Host matches {@code host} (if
 * set, case-insensitive, port ignored) and whose path starts with
 * {@code pathPrefix} (if set) go to {@code pool}.
 */
public record RouteConfig(String host, String pathPrefix, String pool) {}
