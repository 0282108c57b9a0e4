package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Header rewriting between client and backend: hop-by-hop headers are removed
 * (RFC 9110 section 7.6.1) and the forwarding headers are set.
 *
 * <p>Runs once per message on the hot path, so the common case (no Connection
 * header, no hop-by-hop field) is one walk over the headers and no allocation.
 */
final class ForwardedHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString HTTP = AsciiString.cached("http");
    static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Connection tokens seen by {@link #removeHopByHop}. */
    static final int CLOSE = 1;
    static final int KEEP_ALIVE_TOKEN = 2;
    static final int UPGRADE = 4;

    private ForwardedHeaders() {}

    /**
     * Removes hop-by-hop headers: those named by Connection, then Connection,
     * Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, Proxy-Authenticate,
     * Proxy-Authorization. Transfer-Encoding stays: the codec re-frames the body
     * with it and keeps it consistent. Returns the Connection tokens seen
     * ({@link #CLOSE}, {@link #KEEP_ALIVE_TOKEN}, {@link #UPGRADE}) so callers
     * need not parse Connection again.
     */
    static int removeHopByHop(HttpHeaders headers) {
        int tokens = 0;
        boolean found = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            if (isHopByHop(it.next().getKey())) {
                found = true;
                break;
            }
        }
        if (!found) {
            return 0;
        }
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : connection) {
                tokens |= removeNamed(headers, value);
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
        return tokens;
    }

    /** Removes the headers one Connection value names; returns the flags of the tokens it holds. */
    private static int removeNamed(HttpHeaders headers, String value) {
        int tokens = 0;
        int i = 0;
        int len = value.length();
        while (i < len) {
            int comma = value.indexOf(',', i);
            int end = comma < 0 ? len : comma;
            int s = i;
            int e = end;
            while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
                e--;
            }
            if (e > s) {
                String name = value.substring(s, e);
                if (name.equalsIgnoreCase("close")) {
                    tokens |= CLOSE;
                } else if (name.equalsIgnoreCase("keep-alive")) {
                    tokens |= KEEP_ALIVE_TOKEN;
                } else if (name.equalsIgnoreCase("upgrade")) {
                    tokens |= UPGRADE;
                } else if (!name.equalsIgnoreCase("transfer-encoding") && !name.equalsIgnoreCase("content-length")
                        && !name.equalsIgnoreCase("host")) {
                    // Framing and Host are never dropped on a client's say-so.
                    headers.remove(name);
                }
            }
            i = end + 1;
        }
        return tokens;
    }

    /**
     * Whether a header of this name is hop-by-hop (Connection included); the
     * one list for requests, Netty-decoded responses and raw ones.
     */
    static boolean isHopByHop(CharSequence name) {
        switch (name.length()) {
            case 2:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE);
            case 7:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
            case 10:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                        || AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE);
            case 16:
                return AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION);
            case 18:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHENTICATE);
            case 19:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHORIZATION);
            default:
                return false;
        }
    }

    /**
     * Sets the forwarding headers of a request going to a backend. Returns the
     * request id (the client's X-Request-Id, or a new one).
     *
     * @param clientIp  the client's address as text
     * @param forwardedFor the {@code for=...} node of the Forwarded header for this client
     * @param host      the request's Host, or null
     * @param https     whether the client connection is TLS
     */
    static String addForwarding(HttpHeaders headers, String clientIp, String forwardedFor, String host,
                                boolean https) {
        // A header found absent is added, not set: set would search for it again to remove it.
        String xff = headers.get(X_FORWARDED_FOR);
        if (xff == null) {
            headers.add(X_FORWARDED_FOR, clientIp);
        } else {
            headers.set(X_FORWARDED_FOR, xff + ", " + clientIp);
        }
        headers.set(X_FORWARDED_PROTO, https ? HTTPS : HTTP);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String proto = https ? ";proto=https" : ";proto=http";
        String forwarded = host != null
                ? forwardedFor + proto + ";host=\"" + host + "\""
                : forwardedFor + proto;
        String previous = headers.get(FORWARDED);
        if (previous == null) {
            headers.add(FORWARDED, forwarded);
        } else {
            headers.set(FORWARDED, previous + ", " + forwarded);
        }
        String id = headers.get(X_REQUEST_ID);
        if (id == null || id.isEmpty()) {
            id = newRequestId();
            headers.set(X_REQUEST_ID, id);
        }
        return id;
    }

    /** The Forwarded header's node for a client address (RFC 7239 section 6: IPv6 quoted in brackets). */
    static String forwardedFor(String clientIp) {
        return clientIp.indexOf(':') >= 0 ? "for=\"[" + clientIp + "]\"" : "for=" + clientIp;
    }

    /** 128 random bits as 32 hex characters. */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] out = new byte[32];
        long a = r.nextLong();
        long b = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[i] = (byte) HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = (byte) HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
