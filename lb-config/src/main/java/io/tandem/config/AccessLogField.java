package io.tandem.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A named field of an access-log template, written {@code $name} as in an
 * nginx {@code log_format}. A field without a value for a request (no
 * backend, no TLS, no user) prints {@code -}.
 */
public enum AccessLogField {
    /** The client's address (the PROXY header's when the listener accepts one). */
    CLIENT,
    /** The user of an {@code Authorization: Basic} header, as nginx's {@code $remote_user}. */
    USER,
    /** When the request ended, ISO 8601 in UTC with milliseconds. */
    TIME,
    /** When the request ended, in the Common Log Format's {@code 10/Oct/2000:13:55:36 +0200}, in the host's zone. */
    TIME_CLF,
    METHOD,
    /** The request target as the client sent it. */
    URI,
    /** The client's protocol, {@code HTTP/1.1} or {@code HTTP/1.0}. */
    PROTOCOL,
    /** The request line, {@code METHOD URI PROTOCOL}. */
    REQUEST,
    STATUS,
    /** The Host header. */
    HOST,
    USER_AGENT,
    REFERER,
    /** Request body bytes received from the client. */
    BYTES_IN,
    /** Response body bytes sent to the client. */
    BYTES_OUT,
    POOL,
    /** The backend that answered (the last one tried). */
    BACKEND,
    /** Seconds from the last attempt's start to its backend connection (0 for a pooled connection). */
    CONNECT_TIME,
    /** Seconds from the request head to the response head from the backend. */
    FIRST_BYTE_TIME,
    /** Seconds from the request head to the response end. */
    TOTAL_TIME,
    /** How many times the request went again (to another backend or over a new connection). */
    RETRIES,
    REQUEST_ID,
    LISTENER,
    /** The TLS version of the client connection, e.g. {@code TLSv1.3}. */
    TLS_PROTOCOL,
    TLS_CIPHER,
    /** The server name the client asked for (SNI). */
    TLS_SNI,
    /** What the route's cache did: HIT, MISS, STALE or PASS ({@code -} on a route without a cache). */
    CACHE;

    /** The name after {@code $} in a template, e.g. {@code user_agent}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static List<String> configNames() {
        return Arrays.stream(values()).map(AccessLogField::configName).toList();
    }

    /** The field named {@code name}, or null. */
    static AccessLogField fromConfig(String name) {
        for (AccessLogField f : values()) {
            if (f.configName().equals(name)) {
                return f;
            }
        }
        return null;
    }
}
