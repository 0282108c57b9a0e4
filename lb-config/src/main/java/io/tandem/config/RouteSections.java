package io.tandem.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The traffic policy's sections: a listener's routes (conditions, rewrites,
 * redirects, fixed responses, access, limits), a listener's access, and a
 * pool's error pages. Files they name (basic-auth, error pages) are read and
 * checked here, at load. One instance per listener's routes; used on the
 * loader's thread only.
 */
final class RouteSections {

    /** Headers a rewrite may not touch: they frame the message or the connection. */
    private static final Set<String> MANAGED_HEADERS = Set.of("connection", "content-length", "transfer-encoding",
            "keep-alive", "upgrade", "te", "trailer", "proxy-connection");

    /** Reports a reference to a pool the file does not define. */
    interface PoolCheck {
        void check(Section s, String key, String pool);
    }

    private final PoolCheck poolCheck;
    private final PoolCheck cacheCheck;
    private final List<Problem> warnings;

    /** {@code warnings}: where shadowed routes are reported. */
    RouteSections(PoolCheck poolCheck, List<Problem> warnings) {
        this(poolCheck, (s, key, cache) -> { }, warnings);
    }

    /** {@code cacheCheck}: reports a route's {@code cache} that names no cache. */
    RouteSections(PoolCheck poolCheck, PoolCheck cacheCheck, List<Problem> warnings) {
        this.poolCheck = poolCheck;
        this.cacheCheck = cacheCheck;
        this.warnings = warnings;
    }

    /**
     * A listener's routes in file order. Two first-wave routes with the same host and
     * path-prefix are an error (the second never matches, as before); any other route
     * that an earlier one takes every request of is a warning ({@link RouteShadows}).
     */
    List<RouteConfig> routes(Section s) {
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> seenRoutes = new HashMap<>();
        for (Section r : s.list("routes")) {
            RouteConfig route = route(r);
            boolean firstWave = !r.has("match") && (route.host() != null || route.pathPrefix() != null);
            Integer first = firstWave ? seenRoutes.putIfAbsent(route.host() + " " + route.pathPrefix(),
                    r.index()) : null;
            if (first != null) {
                r.problem(null, "never matches: routes[" + first + "] has the same host and path-prefix");
            } else {
                int earlier = RouteShadows.shadowedBy(routes, route.match());
                if (earlier >= 0) {
                    warnings.add(new Problem(r.mark(), r.path(), "never matches: routes[" + earlier
                            + "] (earlier, first match wins) takes every request this route would"));
                }
            }
            routes.add(route);
        }
        return routes;
    }

    private RouteConfig route(Section r) {
        String host = r.string("host");
        String prefix = r.string("path-prefix");
        String pool = r.string("pool");
        if (host != null) {
            checkHost(r, "host", host, false);
        }
        if (prefix != null && !prefix.startsWith("/")) {
            r.problem("path-prefix", "'" + prefix + "' must start with /");
        }
        RouteMatch match;
        if (r.has("match")) {
            for (String key : List.of("host", "path-prefix")) {
                if (r.has(key)) {
                    r.problem(key, "set either " + key + " or match, not both (write it in match)");
                }
            }
            match = match(r.section("match"));
        } else {
            if (host == null && prefix == null) {
                r.problem(null, "a route needs match, host or path-prefix");
            }
            match = RouteMatch.of(host == null ? null : Units.lower(host), prefix);
        }
        Optional<RedirectConfig> redirect = r.has("redirect") ? Optional.ofNullable(redirect(r.section("redirect")))
                : Optional.empty();
        Optional<RespondConfig> respond = r.has("respond") ? Optional.of(respond(r.section("respond")))
                : Optional.empty();
        int answers = (pool != null ? 1 : 0) + (r.has("redirect") ? 1 : 0) + (r.has("respond") ? 1 : 0);
        if (answers == 0) {
            r.problem("pool", "is required: the pool matching requests go to (or redirect, or respond)");
        } else if (answers > 1) {
            r.problem(r.has("respond") ? "respond" : "redirect", "set one of pool, redirect or respond: "
                    + "a route answers in one way");
        }
        RewriteConfig rewrite = RewriteConfig.NONE;
        if (r.has("rewrite")) {
            rewrite = rewrite(r.section("rewrite"));
            if (pool == null) {
                r.problem("rewrite", "only applies to a route with a pool (redirect and respond answer without "
                        + "a backend)");
            }
        }
        poolCheck.check(r, "pool", pool);
        String cache = r.string("cache");
        cacheCheck.check(r, "cache", cache);
        Optional<List<String>> ignoreCookies = r.has("cache-ignore-cookies")
                ? Optional.of(ConfigLoader.cookieNames(r, "cache-ignore-cookies")) : Optional.empty();
        if (pool == null && (cache != null || ignoreCookies.isPresent())) {
            r.problem(cache != null ? "cache" : "cache-ignore-cookies", "only applies to a route with a pool "
                    + "(redirect and respond answer without a backend)");
        }
        return new RouteConfig(host == null ? null : Units.lower(host), prefix, pool, match, rewrite, redirect,
                respond, access(r.section("access"), true), routeLimits(r.section("limits")), cache, ignoreCookies);
    }

    private static RouteLimits routeLimits(Section s) {
        long body = s.size("body");
        int connections = s.integer("connections");
        String rate = s.string("rate");
        int perWindow = 0;
        Duration window = RouteLimits.NONE.window();
        if (rate != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})/(s|m|h)").matcher(rate.strip());
            if (!m.matches() || Integer.parseInt(m.group(1)) == 0) {
                s.problem("rate", "'" + rate + "' is not a rate; expected requests per second, minute or hour "
                        + "per client address, e.g. 100/s, 600/m or 1000/h");
            } else {
                perWindow = Integer.parseInt(m.group(1));
                window = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(1);
                    case "m" -> Duration.ofMinutes(1);
                    default -> Duration.ofHours(1);
                };
            }
        }
        RouteLimits limits = new RouteLimits(body, perWindow, window, connections);
        return limits.equals(RouteLimits.NONE) ? RouteLimits.NONE : limits;
    }

    /** A listener's or a route's access; only a route's may have basic-auth. */
    static AccessConfig access(Section s, boolean route) {
        List<CidrRange> allow = s.cidrs("allow", false, 1);
        List<CidrRange> deny = s.cidrs("deny", false, 1);
        Optional<AccessConfig.BasicAuthConfig> basic = Optional.empty();
        if (route) {
            String file = s.file("basic-auth");
            String realm = s.string("realm");
            if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0 || realm.chars().anyMatch(c -> c < 0x20)) {
                s.problem("realm", "a realm cannot hold quotes, backslashes or control characters");
            }
            if (file != null) {
                String text = ConfigLoader.readFile(s, "basic-auth", file, "expected a file of user:bcrypt-hash lines "
                        + "(htpasswd -B)");
                if (text != null) {
                    List<String> bad = new ArrayList<>();
                    Map<String, String> users = BasicAuthFile.parse(text, file, bad);
                    bad.forEach(message -> s.problem("basic-auth", message));
                    basic = Optional.of(new AccessConfig.BasicAuthConfig(file, realm, users));
                }
            } else if (s.has("realm")) {
                s.problem("realm", "only applies with basic-auth");
            }
        }
        AccessConfig access = new AccessConfig(allow, deny, basic);
        return access.open() ? AccessConfig.OPEN : access;
    }

    private static RewriteConfig rewrite(Section s) {
        String strip = s.string("strip-prefix");
        String from = null;
        String to = null;
        if (strip != null) {
            if (!strip.startsWith("/")) {
                s.problem("strip-prefix", "'" + strip + "' must start with /");
            }
            from = strip;
            to = "";
        }
        if (s.has("replace-prefix")) {
            Section replace = s.section("replace-prefix");
            String f = replace.string("from");
            String t = replace.string("to");
            if (f != null && !f.startsWith("/")) {
                replace.problem("from", "'" + f + "' must start with /");
            }
            if (t != null && !t.startsWith("/")) {
                replace.problem("to", "'" + t + "' must start with /");
            }
            if (strip != null) {
                s.problem("replace-prefix", "set either strip-prefix or replace-prefix, not both");
            } else {
                from = f;
                to = t;
            }
        }
        return new RewriteConfig(from, to, strip != null, headerEdits(s, "request-headers"),
                headerEdits(s, "response-headers"));
    }

    private static List<RewriteConfig.HeaderEdit> headerEdits(Section s, String key) {
        List<RewriteConfig.HeaderEdit> edits = new ArrayList<>();
        for (Section e : s.list(key)) {
            RewriteConfig.HeaderEdit.Action action = null;
            String name = null;
            for (RewriteConfig.HeaderEdit.Action a : RewriteConfig.HeaderEdit.Action.values()) {
                String n = e.string(Units.lower(a.name()));
                if (n != null) {
                    if (action != null) {
                        e.problem(Units.lower(a.name()), "set one of set, add or remove in each edit");
                    }
                    action = a;
                    name = n;
                }
            }
            String value = e.string("value");
            if (action == null) {
                e.problem(null, "an edit needs set, add or remove (the header name)");
                continue;
            }
            String nameKey = Units.lower(action.name());
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                e.problem(nameKey, "'" + name + "' is not a valid header name");
            } else if (MANAGED_HEADERS.contains(Units.lower(name))) {
                e.problem(nameKey, name + " frames the message or the connection; Tandem sets it and it cannot "
                        + "be edited");
            }
            Template template = null;
            if (action == RewriteConfig.HeaderEdit.Action.REMOVE) {
                if (value != null) {
                    e.problem("value", "remove takes no value");
                }
            } else if (value == null) {
                e.problem(null, nameKey + " needs a value");
            } else {
                template = template(e, "value", value);
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    e.problem("value", "a header value cannot hold a line break");
                }
            }
            edits.add(new RewriteConfig.HeaderEdit(action, Units.lower(name), template));
        }
        return edits;
    }

    private static Template template(Section s, String key, String text) {
        try {
            return Template.parse(text);
        } catch (IllegalArgumentException e) {
            s.problem(key, e.getMessage());
            return null;
        }
    }

    private static RedirectConfig redirect(Section s) {
        int status = Integer.parseInt(s.choice("status"));
        String location = s.string("location");
        Template template = location == null ? null : template(s, "location", location);
        return template == null ? null : new RedirectConfig(status, template);
    }

    private static RespondConfig respond(Section s) {
        int status = s.integer("status");
        String type = s.string("content-type");
        String body = s.string("body");
        if (type.indexOf('\r') >= 0 || type.indexOf('\n') >= 0) {
            s.problem("content-type", "a header value cannot hold a line break");
        }
        if (body != null && (status == 204 || status == 304)) {
            s.problem("body", "a " + status + " response has no body");
        }
        return new RespondConfig(status, type, body == null ? "" : body);
    }

    private static void checkHost(Section s, String key, String host, boolean wildcard) {
        String name = wildcard && host.startsWith("*.") ? host.substring(2) : host;
        if (!name.matches("[A-Za-z0-9.-]+")) {
            s.problem(key, "'" + host + "' is not a host name; expected a name such as api.example.com"
                    + (wildcard ? " or *.example.com" : "")
                    + " (no scheme, port or path: the port of the Host header is ignored)");
        }
    }

    private RouteMatch match(Section m) {
        String host = m.string("host");
        if (host != null) {
            checkHost(m, "host", host, true);
            host = Units.lower(host);
        }
        RouteMatch.PathMatch path = null;
        if (m.has("path")) {
            Section p = m.section("path");
            int set = 0;
            for (RouteMatch.PathMatch.Kind kind : RouteMatch.PathMatch.Kind.values()) {
                String key = Units.lower(kind.name());
                String value = p.string(key);
                if (value == null) {
                    continue;
                }
                set++;
                if (kind == RouteMatch.PathMatch.Kind.REGEX) {
                    checkRegex(p, key, value);
                } else if (!value.startsWith("/")) {
                    p.problem(key, "'" + value + "' must start with /");
                }
                path = new RouteMatch.PathMatch(kind, value);
            }
            if (set != 1) {
                p.problem(null, "set exactly one of exact, prefix or regex");
            }
        }
        List<String> methods = new ArrayList<>();
        List<String> written = m.strings("method");
        for (int i = 0; i < written.size(); i++) {
            String method = written.get(i);
            if (!method.matches("[A-Z]+")) {
                m.itemProblem("method", i, "'" + method + "' is not a request method; expected upper-case "
                        + "letters such as GET or POST");
            } else if (methods.contains(method)) {
                m.itemProblem("method", i, method + " is listed twice");
            } else {
                methods.add(method);
            }
        }
        return new RouteMatch(host, path, methods, fields(m, "headers", "[!#$%&'*+.^_`|~0-9A-Za-z-]+"),
                fields(m, "query", "[^&=#\\s]+"), m.cidrs("source", false, 1));
    }

    /** Header or query parameter conditions; {@code nameChars} is what a name may hold. */
    private static List<RouteMatch.FieldMatch> fields(Section m, String key, String nameChars) {
        List<RouteMatch.FieldMatch> fields = new ArrayList<>();
        for (Section f : m.list(key)) {
            String name = f.string("name");
            String equals = f.string("equals");
            String regex = f.string("regex");
            if (name != null && !name.matches(nameChars)) {
                f.problem("name", "'" + name + "' is not a valid " + (key.equals("headers") ? "header"
                        : "query parameter") + " name");
            }
            if (equals != null && regex != null) {
                f.problem("regex", "set either equals or regex, not both");
            }
            if (regex != null) {
                checkRegex(f, "regex", regex);
            }
            if (name != null) {
                fields.add(new RouteMatch.FieldMatch(key.equals("headers") ? Units.lower(name) : name, equals,
                        regex));
            }
        }
        return fields;
    }

    private static void checkRegex(Section s, String key, String regex) {
        try {
            java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            s.problem(key, "'" + regex + "' is not a valid regular expression: " + e.getDescription()
                    + " (Java syntax, near index " + e.getIndex() + ")");
        }
    }

    /** A pool's error pages by status, each file read and checked now. */
    static Map<Integer, ErrorPage> errorPages(Section s) {
        Map<Integer, ErrorPage> pages = new LinkedHashMap<>();
        for (String status : List.of("502", "503", "504")) {
            String file = s.file(status);
            if (file == null) {
                continue;
            }
            String expected = "expected a page (HTML, JSON or text) of at most 1MiB";
            try {
                long size = Files.size(Path.of(file));
                if (size > ErrorPage.MAX_SIZE) {
                    s.problem(status, file + " is " + Units.formatSize(size) + "; " + expected);
                    continue;
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // readFile below names the reason.
            }
            String body = ConfigLoader.readFile(s, status, file, expected);
            if (body != null) {
                pages.put(Integer.parseInt(status), new ErrorPage(file, ErrorPage.contentType(file), body));
            }
        }
        return pages;
    }
}
