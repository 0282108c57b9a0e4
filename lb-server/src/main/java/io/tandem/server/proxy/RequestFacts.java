package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What routes match on, read once from a request head that is already parsed:
 * the positions of the path and the query in the request-target and of the
 * host name in the Host header (without its port), so matching compares
 * regions of the strings the decoder made and allocates nothing. One per
 * client connection, begun again for each request; confined to its event loop.
 */
final class RequestFacts {

    HttpMethod method;
    HttpHeaders headers;
    String uri;
    int pathStart;
    int pathEnd;
    /** Where the query starts (after the '?'), or -1 without one. */
    int queryStart;
    int queryEnd;
    /** The Host header, or null. */
    String host;
    /** Where the host name ends in {@link #host} (before the port). */
    int hostEnd;
    /** The client's address bytes (4 or 16), or null when unknown. */
    byte[] source;

    RequestFacts begin(HttpRequest request, String host, byte[] source) {
        this.method = request.method();
        this.headers = request.headers();
        this.uri = request.uri();
        this.host = host;
        this.source = source;
        locatePath(uri);
        hostEnd = host == null ? 0 : hostEnd(host);
        return this;
    }

    private void locatePath(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme >= 0) {
                int slash = uri.indexOf('/', scheme + 3);
                start = slash < 0 ? uri.length() : slash;
            }
        }
        int end = uri.length();
        int query = -1;
        int queryEnd = uri.length();
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' && query < 0) {
                end = Math.min(end, i);
                query = i + 1;
            } else if (c == '#') {
                end = Math.min(end, i);
                queryEnd = i;
                break;
            }
        }
        this.pathStart = start;
        this.pathEnd = end;
        this.queryStart = query;
        this.queryEnd = queryEnd;
    }

    private static int hostEnd(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host.length() : close + 1;
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host.length() : colon;
    }

    int pathLength() {
        return pathEnd - pathStart;
    }

    /** The path as a new string (for a rewrite or a template; matching never needs it). */
    String path() {
        return pathStart == pathEnd ? "/" : uri.substring(pathStart, pathEnd);
    }

    /** The query without its '?', or the empty string. */
    String query() {
        return queryStart < 0 ? "" : uri.substring(queryStart, queryEnd);
    }

    /** The host name of the Host header, lower case, without its port; the empty string without one. */
    String hostname() {
        return host == null ? "" : host.substring(0, hostEnd).toLowerCase(java.util.Locale.ROOT);
    }
}
