package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What one finished request leaves for its access-log line: the facts of the
 * request as the client sent it, of its answer and of the backend attempts.
 * Filled by the one finisher of the request ({@link Exchange#finish}, or the
 * client connection's local rejection) and read at once by an
 * {@link AccessLog} on the same event loop; never kept.
 *
 * <p>Absent values are null (strings) or -1 (times): the formats print them
 * as {@code -} or JSON null.
 */
final class AccessEntry {

    String client;
    String method = "-";
    String uri = "-";
    /** {@code HTTP/1.1} or {@code HTTP/1.0}, as the client spoke. */
    String protocol;
    String host;
    String userAgent;
    String referer;
    /** The {@code Authorization} header, decoded into {@link #user()} only when a line asks for it. */
    String authorization;
    int status;
    long bytesIn;
    long bytesOut;
    String pool;
    String backend;
    long connectNanos = -1;
    long firstByteNanos = -1;
    long totalNanos;
    int retries;
    String requestId;
    /** What the cache did (HIT, MISS, STALE, PASS) on a cached route; null elsewhere. */
    String cache;
    TlsSession tls;

    /** An entry for a request of {@code client}; {@code request} may be null (nothing parsable arrived). */
    static AccessEntry of(ClientConnection client, HttpRequest request, String protocol) {
        AccessEntry e = new AccessEntry();
        e.client = client.clientIp();
        e.tls = client.tlsSession();
        e.protocol = protocol;
        if (request != null) {
            e.method = request.method().name();
            e.uri = request.uri();
            HttpHeaders h = request.headers();
            e.host = h.get(HttpHeaderNames.HOST);
            e.userAgent = h.get(HttpHeaderNames.USER_AGENT);
            e.referer = h.get(HttpHeaderNames.REFERER);
            e.authorization = h.get(HttpHeaderNames.AUTHORIZATION);
        }
        return e;
    }

    /**
     * The user name of an {@code Authorization: Basic} header, or null: what
     * nginx's {@code $remote_user} shows, whether or not a password was checked.
     */
    String user() {
        if (authorization == null || authorization.length() < 6
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            String user = colon < 0 ? pair : pair.substring(0, colon);
            return user.isEmpty() ? null : user;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The TLS of the client connection, for a listener that terminates TLS. */
    record TlsSession(String protocol, String cipher, String sni) {}
}
