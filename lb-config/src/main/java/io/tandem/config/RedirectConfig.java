package io.tandem.config;

/** A route that answers with a redirect instead of a backend: {@code status} 301, 302, 307 or 308. */
public record RedirectConfig(int status, Template location) {}
