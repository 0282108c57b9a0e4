package io.tandem.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Active health checks of a pool's backends.
 *
 * @param path         request path of HTTP checks
 * @param rise         consecutive passes that bring a down backend up
 * @param fall         consecutive failures that take an up backend down
 * @param expectStatus statuses that count as a pass
 * @param type         an HTTP request or only a TCP connect
 * @param method       {@code GET} or {@code HEAD}
 * @param host         Host header of HTTP checks; null sends the backend's own address
 * @param expectBody   a substring the response body must contain to pass; null for no body check
 * @param downInterval interval while a backend is down; equals {@code interval} unless set
 * @param initialState whether a backend starts unknown until its first check, or up
 * @param send         {@code send-expect}: the bytes sent once connected (each character U+0000-U+00FF
 *                     is one byte); null to send nothing and read what the server says first
 * @param expect       {@code send-expect}: the bytes the answer must contain; null when {@code expectRegex} is set
 * @param expectRegex  {@code send-expect}: a regular expression the answer (bytes as ISO-8859-1 text) must
 *                     contain a match of; null when {@code expect} is set
 * @param role         {@code redis}: the replication role the server must report ({@code master} or
 *                     {@code replica}); null to only require the answer to {@code PING}
 * @param user         {@code mysql}, {@code postgres}: the user the check logs in as (no password)
 * @param database     {@code postgres}: the database named in the startup message; null for {@code user}'s name
 * @param service      {@code grpc}: the service named in the {@code HealthCheckRequest}; empty for the server as a whole
 */
public record HealthConfig(
        String path,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        StatusRanges expectStatus,
        Type type,
        String method,
        String host,
        String expectBody,
        Duration downInterval,
        InitialState initialState,
        String send,
        String expect,
        String expectRegex,
        String role,
        String user,
        String database,
        String service) {

    public HealthConfig {
        service = service == null ? "" : service;
    }

    /** A check as before {@code service} existed: a gRPC check asks about the server as a whole. */
    public HealthConfig(String path, Duration interval, Duration timeout, int rise, int fall,
                        StatusRanges expectStatus, Type type, String method, String host, String expectBody,
                        Duration downInterval, InitialState initialState, String send, String expect,
                        String expectRegex, String role, String user, String database) {
        this(path, interval, timeout, rise, fall, expectStatus, type, method, host, expectBody, downInterval,
                initialState, send, expect, expectRegex, role, user, database, "");
    }

    /** HTTP checks as before {@code type} and its companions existed: GET, no body check, probed at start. */
    public HealthConfig(String path, Duration interval, Duration timeout, int rise, int fall,
                        StatusRanges expectStatus) {
        this(path, interval, timeout, rise, fall, expectStatus, Type.HTTP, Defaults.HEALTH_METHOD, null, null,
                interval, Defaults.HEALTH_INITIAL_STATE);
    }

    /** A check as before the TCP protocol checks existed. */
    public HealthConfig(String path, Duration interval, Duration timeout, int rise, int fall,
                        StatusRanges expectStatus, Type type, String method, String host, String expectBody,
                        Duration downInterval, InitialState initialState) {
        this(path, interval, timeout, rise, fall, expectStatus, type, method, host, expectBody, downInterval,
                initialState, null, null, null, null);
    }

    /** A check as before the database checks existed. */
    public HealthConfig(String path, Duration interval, Duration timeout, int rise, int fall,
                        StatusRanges expectStatus, Type type, String method, String host, String expectBody,
                        Duration downInterval, InitialState initialState, String send, String expect,
                        String expectRegex, String role) {
        this(path, interval, timeout, rise, fall, expectStatus, type, method, host, expectBody, downInterval,
                initialState, send, expect, expectRegex, role, null, null);
    }

    /** What a check does. */
    public enum Type {
        /** A request to {@code path}; passes on an expected status (and body). */
        HTTP,
        /** A TCP connect; passes when the connection opens within {@code timeout}. */
        TCP,
        /** Sends {@code send} (if any) and passes when the answer contains {@code expect} or matches {@code expect-regex}. */
        SEND_EXPECT,
        /** Redis {@code PING}, expecting {@code +PONG}; with {@code role}, {@code INFO replication} too. */
        REDIS,
        /** MySQL/MariaDB: the greeting, a login as {@code user}, then {@code COM_QUIT}. */
        MYSQL,
        /** PostgreSQL: a startup message for {@code user}; an authentication request or ReadyForQuery passes. */
        POSTGRES,
        /**
         * The gRPC health-checking protocol ({@code grpc.health.v1.Health/Check} over HTTP/2: h2c, or h2 over
         * the pool's {@code tls}) for {@code service} (empty: the server as a whole): passes on {@code SERVING}.
         */
        GRPC;

        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Whether the check speaks a protocol other than HTTP, so it only fits a pool of a tcp listener. */
        public boolean tcpOnly() {
            return this != HTTP && this != TCP && this != GRPC;
        }

        /** The types a pool of a {@code mode: tcp} listener may use. */
        public static List<String> tcpNames() {
            return java.util.Arrays.stream(values()).filter(t -> t != HTTP).map(Type::configName).toList();
        }
    }

    /** A backend's state before its first check completes. */
    public enum InitialState {
        /** Every backend is checked once before the listeners accept traffic. */
        PROBE,
        /** Backends are assumed up and take traffic at once. */
        UP;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The methods an HTTP check may use. */
    public static final List<String> METHODS = List.of("GET", "HEAD");
}
