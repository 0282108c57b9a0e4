package io.tandem.config;

import java.util.List;

/**
 * What a request must have for a route to take it; every condition set must
 * hold, an unset one matches anything.
 *
 * @param host    a host name, lower case; {@code *.example.com} matches any name that ends in
 *                {@code .example.com}; null for any host
 * @param path    the path condition, or null for any path
 * @param methods request methods (upper case), any of which matches; empty for any method
 * @param headers request header conditions, all of which must hold
 * @param query   query parameter conditions, all of which must hold
 * @param source  client address ranges, any of which matches; empty for any client
 */
public record RouteMatch(String host, PathMatch path, List<String> methods, List<FieldMatch> headers,
                         List<FieldMatch> query, List<CidrRange> source) {

    /** Matches every request. */
    public static final RouteMatch ANY = new RouteMatch(null, null, List.of(), List.of(), List.of(), List.of());

    public RouteMatch {
        methods = List.copyOf(methods);
        headers = List.copyOf(headers);
        query = List.copyOf(query);
        source = List.copyOf(source);
    }

    /** The first wave's route: a host and a path prefix, either null. */
    public static RouteMatch of(String host, String pathPrefix) {
        return new RouteMatch(host, pathPrefix == null ? null : new PathMatch(PathMatch.Kind.PREFIX, pathPrefix),
                List.of(), List.of(), List.of(), List.of());
    }

    /** A path condition: the path (without the query) equals, starts with, or matches (whole) a regex. */
    public record PathMatch(Kind kind, String value) {

        public enum Kind { EXACT, PREFIX, REGEX }
    }

    /**
     * A header or query parameter condition: present ({@code equals} and {@code regex}
     * null), equal to a value (headers: exactly; query: the raw, undecoded value), or
     * matching a regex (the whole value).
     */
    public record FieldMatch(String name, String equals, String regex) {}
}
