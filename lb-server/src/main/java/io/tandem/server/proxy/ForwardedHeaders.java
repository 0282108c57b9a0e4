package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Header rewriting between client and backend: hop-by-hop headers are removed
 * (RFC 9110 section 7.6.1) and the forwarding headers are set.
 */
final class ForwardedHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ForwardedHeaders() {}

    /**
     * Removes hop-by-hop headers: those named by Connection, then Connection,
     * Keep-Alive, TE, Trailer, Upgrade, Proxy-*. Transfer-Encoding stays: the
     * codec re-frames the body and keeps it consistent.
     */
    static void removeHopByHop(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")
                        && !name.equalsIgnoreCase("transfer-encoding") && !name.equalsIgnoreCase("content-length")) {
                    headers.remove(name);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(KEEP_ALIVE);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.UPGRADE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    }

    /**
     * Sets the forwarding headers of a request going to a backend. Returns the
     * request id (the client's X-Request-Id, or a new one).
     */
    static String addForwarding(HttpHeaders headers, String clientIp, String host) {
        String xff = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        headers.set(X_FORWARDED_PROTO, "http");
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String forNode = clientIp.indexOf(':') >= 0 ? "\"[" + clientIp + "]\"" : clientIp;
        String forwarded = "for=" + forNode + ";proto=http" + (host != null ? ";host=\"" + host + "\"" : "");
        String previous = headers.get(FORWARDED);
        headers.set(FORWARDED, previous == null ? forwarded : previous + ", " + forwarded);
        String id = headers.get(X_REQUEST_ID);
        if (id == null || id.isEmpty()) {
            id = newRequestId();
            headers.set(X_REQUEST_ID, id);
        }
        return id;
    }

    /** 128 random bits as 32 hex characters. */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[32];
        long a = r.nextLong();
        long b = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}
