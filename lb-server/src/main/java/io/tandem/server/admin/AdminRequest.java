package io.tandem.server.admin;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * One admin call as an endpoint sees it: decoded path parameters, query and
 * body, and the headers. Immutable.
 *
 * @param params path parameters named by the route pattern ({@code {pool}}), percent-decoded
 */
record AdminRequest(HttpMethod method, String path, Map<String, String> params,
                    Map<String, List<String>> query, String body, HttpHeaders headers, String client) {

    String param(String name) {
        return params.get(name);
    }

    /** The first value of query parameter {@code name}, or null. */
    String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
