package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Arrays;

/**
 * A backend's response head forwarded as bytes ({@link RawResponse}) as the
 * fields of an HTTP/2 HEADERS frame, read straight from those bytes: the
 * status, then each kept header line with its name in lower case (RFC 9113
 * section 8.2.1) and its value without the surrounding blanks. The
 * connection-specific fields HTTP/2 forbids (section 8.2.2: {@code Connection},
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Transfer-Encoding},
 * {@code Upgrade}; and {@code TE}, which a response has no use for) are left out;
 * the only one that can still be there is the {@code Connection: close} this
 * proxy adds for a client connection that ends.
 *
 * <p>The head was checked by {@link RawResponseDecoder} (token names, no
 * control characters, no obs-fold), so each line is {@code name ":" OWS value
 * OWS CRLF}. Names the proxy sees on most responses come from a table of
 * lower-case constants, so they cost no allocation; values share one copy of the
 * head's bytes. This spares the stream the header object model: no decoding
 * into Netty's HTTP/1 headers and no conversion to HTTP/2 ones.
 */
final class Http2ResponseHead {

    /** Field names a response commonly has, in lower case, by length. */
    private static final AsciiString[][] KNOWN = new AsciiString[64][];

    static {
        AsciiString[] names = {
            HttpHeaderNames.SERVER, HttpHeaderNames.DATE, HttpHeaderNames.CONTENT_TYPE,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.ETAG,
            HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.EXPIRES,
            HttpHeaderNames.VARY, HttpHeaderNames.LOCATION, HttpHeaderNames.SET_COOKIE,
            HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.CONTENT_LANGUAGE,
            HttpHeaderNames.CONTENT_DISPOSITION, HttpHeaderNames.CONTENT_RANGE, HttpHeaderNames.AGE,
            HttpHeaderNames.PRAGMA, HttpHeaderNames.RETRY_AFTER, HttpHeaderNames.WWW_AUTHENTICATE,
            HttpHeaderNames.VIA, HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN,
            HttpHeaderNames.CONTENT_SECURITY_POLICY, HttpHeaderNames.X_FRAME_OPTIONS,
            AsciiString.cached("x-content-type-options"), AsciiString.cached("link"),
            AsciiString.cached("alt-svc"), AsciiString.cached("referrer-policy"),
            ForwardedHeaders.X_REQUEST_ID, ResponseHead.STRICT_TRANSPORT_SECURITY,
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, HttpHeaderNames.TE,
        };
        for (AsciiString name : names) {
            AsciiString lower = name.toLowerCase();
            AsciiString[] bucket = KNOWN[lower.length()];
            AsciiString[] grown = bucket == null ? new AsciiString[1] : Arrays.copyOf(bucket, bucket.length + 1);
            grown[grown.length - 1] = lower;
            KNOWN[lower.length()] = grown;
        }
    }

    private Http2ResponseHead() {}

    /** The HEADERS fields of {@code head} (a {@link RawResponse}'s, ended by its empty line) for {@code status}. */
    static Http2Headers of(int status, ByteBuf head) {
        byte[] a = ByteBufUtil.getBytes(head);
        Http2Headers out = new DefaultHttp2Headers(false);
        out.status(HttpResponseStatus.valueOf(status).codeAsText());
        int n = a.length;
        // Past the status line.
        int i = lineEnd(a, 0, n) + 2;
        while (i < n) {
            int end = lineEnd(a, i, n);
            if (end == i) {
                break;
            }
            int colon = i;
            while (a[colon] != ':') {
                colon++;
            }
            AsciiString name = name(a, i, colon - i);
            if (!connectionSpecific(name)) {
                int vs = colon + 1;
                int ve = end;
                while (vs < ve && (a[vs] == ' ' || a[vs] == '\t')) {
                    vs++;
                }
                while (ve > vs && (a[ve - 1] == ' ' || a[ve - 1] == '\t')) {
                    ve--;
                }
                out.add(name, ve == vs ? AsciiString.EMPTY_STRING : new AsciiString(a, vs, ve - vs, false));
            }
            i = end + 2;
        }
        return out;
    }

    /** The index of the CR that ends the line starting at {@code from}. */
    private static int lineEnd(byte[] a, int from, int n) {
        int i = from;
        while (i < n - 1 && !(a[i] == '\r' && a[i + 1] == '\n')) {
            i++;
        }
        return i;
    }

    /** The lower-case name in {@code a[from, from + len)}: a constant when it is a common one. */
    static AsciiString name(byte[] a, int from, int len) {
        AsciiString[] bucket = len < KNOWN.length ? KNOWN[len] : null;
        if (bucket != null) {
            for (AsciiString known : bucket) {
                if (equalsLower(known, a, from, len)) {
                    return known;
                }
            }
        }
        byte[] lower = new byte[len];
        for (int k = 0; k < len; k++) {
            lower[k] = lower(a[from + k]);
        }
        return new AsciiString(lower, false);
    }

    private static boolean equalsLower(AsciiString known, byte[] a, int from, int len) {
        byte[] k = known.array();
        int off = known.arrayOffset();
        for (int j = 0; j < len; j++) {
            if (k[off + j] != lower(a[from + j])) {
                return false;
            }
        }
        return true;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    /** Fields HTTP/2 forbids in a response (RFC 9113 section 8.2.2), by their lower-case name. */
    static boolean connectionSpecific(AsciiString name) {
        return HttpHeaderNames.CONNECTION.contentEquals(name) || HttpHeaderNames.KEEP_ALIVE.contentEquals(name)
                || HttpHeaderNames.PROXY_CONNECTION.contentEquals(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)
                || HttpHeaderNames.UPGRADE.contentEquals(name) || HttpHeaderNames.TE.contentEquals(name);
    }
}
