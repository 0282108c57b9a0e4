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
 * request's own string: no copy; not when the regex's literal prefix already
 * rules the request out). Immutable; shared by
 * every event loop.
 */
final class RouteMatcher {

    private final String host;
    /** For {@code *.example.com}: {@code .example.com}; null for an exact host. */
    private final String hostSuffix;
    private final RouteMatch.PathMatch.Kind pathKind;
    private final String pathValue;
    private final Regex pathRegex;
    private final String[] methods;
    private final AsciiString[] headerNames;
    private final String[] headerValues;
    private final Regex[] headerRegexes;
    private final String[] queryNames;
    private final String[] queryValues;
    private final Regex[] queryRegexes;
    private final CidrRange[] source;

    RouteMatcher(RouteMatch match) {
        String h = match.host();
        this.hostSuffix = h != null && h.startsWith("*.") ? h.substring(1) : null;
        this.host = hostSuffix == null ? h : null;
        RouteMatch.PathMatch path = match.path();
        this.pathKind = path == null ? null : path.kind();
        this.pathValue = path == null ? null : path.value();
        this.pathRegex = pathKind == RouteMatch.PathMatch.Kind.REGEX ? new Regex(pathValue) : null;
        this.methods = match.methods().toArray(new String[0]);
        List<RouteMatch.FieldMatch> headers = match.headers();
        this.headerNames = new AsciiString[headers.size()];
        this.headerValues = new String[headers.size()];
        this.headerRegexes = new Regex[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            headerNames[i] = AsciiString.cached(headers.get(i).name());
            headerValues[i] = headers.get(i).equals();
            headerRegexes[i] = regex(headers.get(i).regex());
        }
        List<RouteMatch.FieldMatch> query = match.query();
        this.queryNames = new String[query.size()];
        this.queryValues = new String[query.size()];
        this.queryRegexes = new Regex[query.size()];
        for (int i = 0; i < query.size(); i++) {
            queryNames[i] = query.get(i).name();
            queryValues[i] = query.get(i).equals();
            queryRegexes[i] = regex(query.get(i).regex());
        }
        this.source = match.source().toArray(new CidrRange[0]);
    }

    private static Regex regex(String regex) {
        return regex == null ? null : new Regex(regex);
    }

    /**
     * A regex condition, matched against a whole region. The literal text every match must begin with
     * ({@link #literalPrefix}) is compared first: a request it rules out costs no {@link java.util.regex.Matcher}
     * (an allocation and a run of the engine), which is most requests walking a route they do not take.
     */
    static final class Regex {
        private final Pattern pattern;
        private final String prefix;

        Regex(String regex) {
            this.pattern = Pattern.compile(regex);
            this.prefix = literalPrefix(regex);
        }

        boolean matches(String s, int start, int end) {
            return end - start >= prefix.length() && s.startsWith(prefix, start)
                    && pattern.matcher(s).region(start, end).matches();
        }
    }

    /**
     * The literal characters a whole-region match of {@code regex} must begin with: those before its first
     * special character (a leading {@code ^} skipped), less the last one when a quantifier follows it;
     * empty when the regex has an alternation anywhere (a branch may begin otherwise) or begins specially.
     */
    static String literalPrefix(String regex) {
        if (regex.indexOf('|') >= 0) {
            return "";
        }
        int i = regex.startsWith("^") ? 1 : 0;
        int from = i;
        while (i < regex.length() && "\\^$.|?*+()[]{}".indexOf(regex.charAt(i)) < 0) {
            i++;
        }
        int end = i < regex.length() && "?*+{".indexOf(regex.charAt(i)) >= 0 ? Math.max(from, i - 1) : i;
        return regex.substring(from, end);
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
            case REGEX -> pathRegex.matches(r.uri, r.pathStart, r.pathEnd);
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

    private static boolean fieldMatches(String s, int start, int end, String equals, Regex regex) {
        if (equals != null) {
            return end - start == equals.length() && s.startsWith(equals, start);
        }
        return regex == null || regex.matches(s, start, end);
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
    private static boolean queryParameterMatches(RequestFacts r, String name, String equals, Regex regex) {
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
