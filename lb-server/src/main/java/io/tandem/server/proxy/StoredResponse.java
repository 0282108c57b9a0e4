package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.tandem.core.cache.EsiTemplate;
import io.tandem.core.cache.Freshness;
import io.tandem.core.cache.ResponseFacts;
import io.tandem.core.cache.Vary;
import io.tandem.server.cache.CachedObject;
import io.tandem.server.cache.ObjectHeads;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * How a backend response becomes a {@link CachedObject} and back: which
 * header fields are kept, the head bytes every hit starts with, the fields of
 * a 304, the facts the storing rules read, the tags, and the 304 refresh of a
 * stored object (RFC 9111 section 4.3.4). Stateless.
 */
final class StoredResponse {

    static final AsciiString X_CACHE = AsciiString.cached("x-cache");
    static final AsciiString SURROGATE_CONTROL = AsciiString.cached("surrogate-control");
    static final AsciiString CACHE_TAG = AsciiString.cached("cache-tag");
    static final AsciiString XKEY = AsciiString.cached("xkey");

    /** Not stored: per hop, per answer (added by each hit), per client, or for this cache alone. */
    private static final Set<String> DROPPED = Set.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-connection", "proxy-authenticate", "content-length", "age",
            "x-cache", "x-request-id", "set-cookie", "surrogate-control");

    private StoredResponse() {}

    /** The fields of {@code from} a stored object keeps. */
    static HttpHeaders kept(HttpHeaders from) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        for (Map.Entry<String, String> e : from) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (!DROPPED.contains(name) && !name.startsWith("proxy-")) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return h;
    }

    static String joined(HttpHeaders h, CharSequence name) {
        List<String> all = h.getAll(name);
        return all.isEmpty() ? null : all.size() == 1 ? all.get(0) : String.join(", ", all);
    }

    /** Whether a response's body is read for ESI: the cache says so, or its Surrogate-Control does. */
    static boolean esi(boolean cacheEsi, String surrogateControl) {
        return cacheEsi || io.tandem.core.cache.CacheControl.parse(surrogateControl).esi();
    }

    static ResponseFacts facts(int status, HttpHeaders h, String surrogateControl) {
        return new ResponseFacts(status, joined(h, HttpHeaderNames.CACHE_CONTROL), surrogateControl,
                h.get(HttpHeaderNames.EXPIRES), h.get(HttpHeaderNames.DATE), h.get(HttpHeaderNames.AGE),
                joined(h, HttpHeaderNames.VARY), h.contains(HttpHeaderNames.SET_COOKIE),
                h.contains(HttpHeaderNames.ETAG) || h.contains(HttpHeaderNames.LAST_MODIFIED));
    }

    static byte[] head(int status, HttpHeaders fields) {
        return ObjectHeads.head(status, fields);
    }

    static byte[] notModifiedHead(HttpHeaders fields) {
        return ObjectHeads.notModifiedHead(fields);
    }

    /** The tags of a response: {@code Cache-Tag} (comma-separated) and {@code xkey} (space-separated). */
    static List<String> tags(HttpHeaders h) {
        List<String> tags = new ArrayList<>(0);
        for (String v : h.getAll(CACHE_TAG)) {
            for (String t : v.split(",")) {
                if (!t.isBlank()) {
                    tags.add(t.strip());
                }
            }
        }
        for (String v : h.getAll(XKEY)) {
            for (String t : v.split(" ")) {
                if (!t.isBlank()) {
                    tags.add(t.strip());
                }
            }
        }
        return tags;
    }

    /**
     * A stored object of a response; {@code body}'s reference passes to it.
     *
     * @param request the request's header values by lowercase name, for the varying ones
     */
    static CachedObject object(int status, HttpHeaders responseHeaders, ByteBuf body, Freshness freshness, long now,
                               Function<String, String> request, boolean esi) {
        HttpHeaders fields = kept(responseHeaders);
        List<String> varyNames = Vary.names(joined(responseHeaders, HttpHeaderNames.VARY));
        List<String> varyValues = new ArrayList<>(varyNames.size());
        for (String n : varyNames) {
            varyValues.add(Vary.normalize(request.apply(n)));
        }
        EsiTemplate template = esi && !fields.contains(HttpHeaderNames.CONTENT_ENCODING)
                ? EsiTemplate.parse(body.toString(StandardCharsets.ISO_8859_1)) : null;
        return new CachedObject(status, fields, head(status, fields), notModifiedHead(fields), body, freshness, now,
                fields.get(HttpHeaderNames.ETAG), fields.get(HttpHeaderNames.LAST_MODIFIED), varyNames, varyValues,
                tags(responseHeaders), template);
    }

    /**
     * The fields of a stored object after a 304 (RFC 9111 section 4.3.4): each
     * field the 304 has replaces the stored ones of that name, but those that
     * describe the body.
     */
    static HttpHeaders merged(HttpHeaders stored, HttpHeaders notModified) {
        HttpHeaders h = new DefaultHttpHeaders(false).set(stored);
        HttpHeaders fresh = kept(notModified);
        fresh.remove(HttpHeaderNames.CONTENT_TYPE);
        fresh.remove(HttpHeaderNames.CONTENT_ENCODING);
        for (String name : fresh.names()) {
            h.set(name, fresh.getAll(name));
        }
        return h;
    }
}
