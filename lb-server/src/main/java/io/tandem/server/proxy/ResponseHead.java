package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Every edit this proxy makes to a backend's response head before the client
 * sees it, for both forms a head comes in: a {@link RawResponse} (bytes,
 * hop-by-hop lines already dropped by {@link RawResponseDecoder}) and Netty's
 * {@link HttpResponse} (the object path). Both get the same lines:
 * {@code X-Request-Id} unless the backend set one, the sticky {@code Set-Cookie}
 * when the pool has one to set, {@code Strict-Transport-Security} on a TLS
 * listener with {@code hsts} unless the backend set one, and {@code Connection}
 * where the client needs it.
 * The object path also re-frames a body the client cannot read as sent.
 *
 * <p>Stateless; called on the client's event loop.
 */
final class ResponseHead {

    /** {@link #edit(HttpResponse, String, String, boolean, boolean, boolean, String)}: the backend keeps its connection. */
    static final int BACKEND_KEEP_ALIVE = 1;
    /** {@link #edit(HttpResponse, String, String, boolean, boolean, boolean, String)}: the body ends by closing the client connection. */
    static final int CLIENT_CLOSE_DELIMITED = 2;

    static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");
    private static final byte[] HSTS_LINE = "strict-transport-security: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] X_REQUEST_ID_LINE = "x-request-id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET_COOKIE_LINE = "set-cookie: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE_LINE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE_LINE =
            "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    private ResponseHead() {}

    /**
     * Completes a head forwarded as bytes: this proxy's lines and the empty line.
     *
     * @param cookie     the sticky {@code Set-Cookie} value, or null
     * @param keepClient the client connection stays open after this response
     * @param hsts       the {@code Strict-Transport-Security} value, or null
     */
    static void edit(RawResponse response, String requestId, String cookie, boolean keepClient,
                     boolean clientHttp10, String hsts) {
        ByteBuf head = response.head;
        if (!response.hasRequestId) {
            addLine(head, X_REQUEST_ID_LINE, requestId);
        }
        if (hsts != null && !response.hasHsts) {
            addLine(head, HSTS_LINE, hsts);
        }
        if (cookie != null) {
            addLine(head, SET_COOKIE_LINE, cookie);
        }
        if (!keepClient) {
            head.writeBytes(CONNECTION_CLOSE_LINE);
        } else if (clientHttp10) {
            head.writeBytes(CONNECTION_KEEP_ALIVE_LINE);
        }
        head.writeShort(CRLF);
    }

    /**
     * Edits a final response head on the object path: drops its hop-by-hop
     * headers, adds this proxy's, speaks HTTP/1.1 to the client, and re-frames
     * a body without a length: close-delimited to an HTTP/1.0 client, chunked to
     * an HTTP/1.1 one.
     *
     * @param bodiless the response can have no body whatever its headers say (HEAD, 204, 304)
     * @param hsts     the {@code Strict-Transport-Security} value, or null
     * @return {@link #BACKEND_KEEP_ALIVE} and {@link #CLIENT_CLOSE_DELIMITED} as they apply
     */
    static int edit(HttpResponse response, String requestId, String cookie, boolean keepClient,
                    boolean clientHttp10, boolean bodiless, String hsts) {
        HttpHeaders headers = response.headers();
        boolean http10 = HttpVersion.HTTP_1_0.equals(response.protocolVersion());
        int tokens = ForwardedHeaders.removeHopByHop(headers);
        boolean backendKeepAlive = http10 ? (tokens & ForwardedHeaders.KEEP_ALIVE_TOKEN) != 0
                : (tokens & ForwardedHeaders.CLOSE) == 0;
        int result = backendKeepAlive ? BACKEND_KEEP_ALIVE : 0;
        if (cookie != null) {
            headers.add(HttpHeaderNames.SET_COOKIE, cookie);
        }
        if (!headers.contains(ForwardedHeaders.X_REQUEST_ID)) {
            headers.set(ForwardedHeaders.X_REQUEST_ID, requestId);
        }
        if (hsts != null && !headers.contains(STRICT_TRANSPORT_SECURITY)) {
            headers.set(STRICT_TRANSPORT_SECURITY, hsts);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !bodiless) {
            boolean chunked = HttpUtil.isTransferEncodingChunked(response);
            if (clientHttp10) {
                // An HTTP/1.0 client cannot read chunks: send the body close-delimited.
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
                keepClient = false;
                result |= CLIENT_CLOSE_DELIMITED;
            } else if (!chunked) {
                // A body the backend ends by closing: chunked, the client connection can stay.
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!keepClient) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return result;
    }

    /** Whether the response to a {@code method} request can have no body, whatever its headers say. */
    static boolean bodiless(int code, HttpMethod method) {
        return code == 204 || code == 304 || (code >= 100 && code < 200) || method == HttpMethod.HEAD;
    }

    /** Edits an interim (1xx but 101) response: no hop-by-hop headers, HTTP/1.1. */
    static void editInterim(HttpResponse response) {
        ForwardedHeaders.removeHopByHop(response.headers());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** Edits a 101: hop-by-hop headers go, but the protocol switched to and {@code Connection: upgrade} stay. */
    static void editSwitch(HttpResponse response) {
        HttpHeaders headers = response.headers();
        String protocol = headers.get(HttpHeaderNames.UPGRADE);
        ForwardedHeaders.removeHopByHop(headers);
        if (protocol != null) {
            headers.set(HttpHeaderNames.UPGRADE, protocol);
        }
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /**
     * Appends {@code name} (with its ": ") and {@code value} as a header line.
     * Latin-1, as Netty's encoder writes header values: a client's id goes back byte for byte.
     */
    private static void addLine(ByteBuf head, byte[] name, String value) {
        head.writeBytes(name);
        head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        head.writeShort(CRLF);
    }
}
