package io.tandem.config;

/** A route that answers with a fixed response instead of a backend (a maintenance page, robots.txt). */
public record RespondConfig(int status, String contentType, String body) {}
