package io.tandem.config;

/** Sticky sessions: a cookie that names the backend a client was sent to. */
public record StickyConfig(String cookie) {}
