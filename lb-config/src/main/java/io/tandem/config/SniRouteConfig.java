package io.tandem.config;

/**
 * A route of a {@code mode: tcp} listener by the SNI name of the client's
 * TLS ClientHello, which Tandem reads without terminating TLS.
 *
 * @param sni  an exact host name, or {@code *.example.com} for one leftmost label; lower case
 * @param pool where connections with that name go
 */
public record SniRouteConfig(String sni, String pool) {}
