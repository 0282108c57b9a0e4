package io.tandem.server.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The head bytes a stored object's answers start with: the full one, and a 304's. Stateless. */
public final class ObjectHeads {

    /** The fields a 304 carries (RFC 9110 section 15.4.5). */
    private static final List<AsciiString> NOT_MODIFIED_FIELDS = List.of(HttpHeaderNames.CACHE_CONTROL,
            HttpHeaderNames.CONTENT_LOCATION, HttpHeaderNames.DATE, HttpHeaderNames.ETAG, HttpHeaderNames.EXPIRES,
            HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.VARY);

    private ObjectHeads() {}

    /** Status line and {@code fields}, each line ending in CRLF, without the empty line. */
    public static byte[] head(int status, HttpHeaders fields) {
        StringBuilder b = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
                .append(HttpResponseStatus.valueOf(status).reasonPhrase()).append("\r\n");
        for (Map.Entry<String, String> e : fields) {
            b.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] notModifiedHead(HttpHeaders fields) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        for (AsciiString name : NOT_MODIFIED_FIELDS) {
            for (String v : fields.getAll(name)) {
                h.add(name, v);
            }
        }
        return head(304, h);
    }
}
