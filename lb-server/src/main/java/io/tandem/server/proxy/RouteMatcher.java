package io.tandem.server.proxy;

import io.netty.util.AsciiString;
import io.tandem.config.CidrRange;
import io.tandem.config.RouteMatch;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One route's conditions compiled once per config load: regexes compiled,
 * header names interned as {@link AsciiString}s, lists as arrays. Matching reads
 * a {@link RequestFacts} and allocates nothing unless a regex condition has to
 * run (a {@link java.util.regex.Matcher} per regex test, over the region of the
 * request's own string: no copy). Immutable; shared by
 * every event loop.
 */
final class RouteMatcher {

    private final String host;
    /** For {@code *.example.com}: {@code .example.com}; null for an exact host. */
    private final String hostSuffix;
    private final RouteMatch.PathMatch.Kind pathKind;
    private final String pathValue;
    private final Pattern pathRegex;
    private final String[] methods;
    private final AsciiString[] headerNames;
    private final String[] headerValues;
    private final Pattern[] headerRegexes;
    private final String[] queryNames;
    private final String[] queryValues;
    private final Pattern[] queryRegexes;
    private final CidrRange[] source;

    RouteMatcher(RouteMatch match) {
        String h = match.host();
        this.hostSuffix = h != null && h.startsWith("*.") ? h.substring(1) : null;
        this.host = hostSuffix == null ? h : null;
        RouteMatch.PathMatch path = match.path();
        this.pathKind = path == null ? null : path.kind();
        this.pathValue = path == null ? null : path.value();
        this.pathRegex = pathKind == RouteMatch.PathMatch.Kind.REGEX ? Pattern.compile(pathValue) : null;
        this.methods = match.methods().toArray(new String[0]);
        List<RouteMatch.FieldMatch> headers = match.headers();
        this.headerNames = new AsciiString[headers.size()];
        this.headerValues = new String[headers.size()];
        this.headerRegexes = new Pattern[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            headerNames[i] = AsciiString.cached(headers.get(i).name());
            headerValues[i] = headers.get(i).equals();
            headerRegexes[i] = regex(headers.get(i).regex());
        }
        List<RouteMatch.FieldMatch> query = match.query();
        this.queryNames = new String[query.size()];
        this.queryValues = new String[query.size()];
        this.queryRegexes = new Pattern[query.size()];
        for (int i = 0; i < query.size(); i++) {
            queryNames[i] = query.get(i).name();
            queryValues[i] = query.get(i).equals();
            queryRegexes[i] = regex(query.get(i).regex());
        }
        this.source = match.source().toArray(new CidrRange[0]);
    }

    private static Pattern regex(String regex) {
        return regex == null ? null : Pattern.compile(regex);
    }

    /** Whether every condition holds for {@code r}; cheapest tests first. */
    boolean matches(RequestFacts r) {
        return methodMatches(r) && hostMatches(r) && pathMatches(r) && sourceMatches(r) && headersMatch(r)
                && queryMatches(r);
    }

    private boolean methodMatches(RequestFacts r) {
        if (methods.length == 0) {
            return true;
        }
        String name = r.method.name();
        for (String m : methods) {
            if (m.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean hostMatches(RequestFacts r) {
        if (host == null && hostSuffix == null) {
            return true;
        }
        if (r.host == null) {
            return false;
        }
        int length = r.hostEnd;
        if (host != null) {
            return length == host.length() && r.host.regionMatches(true, 0, host, 0, length);
        }
        int suffix = hostSuffix.length();
        return length > suffix && r.host.regionMatches(true, length - suffix, hostSuffix, 0, suffix);
    }

    private boolean pathMatches(RequestFacts r) {
        if (pathKind == null) {
            return true;
        }
        return switch (pathKind) {
            case EXACT -> r.pathLength() == pathValue.length() && r.uri.startsWith(pathValue, r.pathStart);
            case PREFIX -> r.pathLength() >= pathValue.length() && r.uri.startsWith(pathValue, r.pathStart);
            case REGEX -> pathRegex.matcher(r.uri).region(r.pathStart, r.pathEnd).matches();
        };
    }

    private boolean sourceMatches(RequestFacts r) {
        if (source.length == 0) {
            return true;
        }
        if (r.source == null) {
            return false;
        }
        for (CidrRange range : source) {
            if (range.contains(r.source)) {
                return true;
            }
        }
        return false;
    }

    private boolean headersMatch(RequestFacts r) {
        for (int i = 0; i < headerNames.length; i++) {
            String value = r.headers.get(headerNames[i]);
            if (value == null || !fieldMatches(value, 0, value.length(), headerValues[i], headerRegexes[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean fieldMatches(String s, int start, int end, String equals, Pattern regex) {
        if (equals != null) {
            return end - start == equals.length() && s.startsWith(equals, start);
        }
        return regex == null || regex.matcher(s).region(start, end).matches();
    }

    private boolean queryMatches(RequestFacts r) {
        for (int i = 0; i < queryNames.length; i++) {
            if (!queryParameterMatches(r, queryNames[i], queryValues[i], queryRegexes[i])) {
                return false;
            }
        }
        return true;
    }

    /** Whether some {@code name=value} pair (or a bare {@code name}) of the query satisfies the condition. */
    private static boolean queryParameterMatches(RequestFacts r, String name, String equals, Pattern regex) {
        if (r.queryStart < 0) {
            return false;
        }
        String uri = r.uri;
        int i = r.queryStart;
        while (i <= r.queryEnd) {
            int amp = uri.indexOf('&', i);
            int end = amp < 0 || amp > r.queryEnd ? r.queryEnd : amp;
            int eq = uri.indexOf('=', i);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (nameEnd - i == name.length() && uri.startsWith(name, i)) {
                int valueStart = nameEnd == end ? end : nameEnd + 1;
                if (fieldMatches(uri, valueStart, end, equals, regex)) {
                    return true;
                }
            }
            i = end + 1;
        }
        return false;
    }
}
