package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traffic policy keys of a route: matching, and the shadowed-route warning. */
class RoutePolicyConfigTest {

    @TempDir
    Path dir;

    private static String[] listener(String... routes) {
        List<String> lines = new ArrayList<>(List.of(
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    routes:"));
        for (String r : routes) {
            // A line that starts with a space continues the route before it.
            lines.add((r.startsWith(" ") ? "      " : "      - ") + r);
        }
        lines.addAll(List.of(
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "  api:",
                "    backends: [ { address: 127.0.0.1:9001 } ]"));
        return lines.toArray(new String[0]);
    }

    // Every condition of match is read into the route, names of headers lower-cased.
    @Test
    void matchReadsEveryCondition() throws Exception {
        TandemConfig c = parse(listener(
                "{ match: { host: '*.Example.com', path: { regex: '^/u/[0-9]+$' }, method: [GET, POST],",
                "    headers: [ { name: X-Canary, equals: '1' }, { name: X-Debug } ],",
                "    query: [ { name: beta, regex: '[0-9]+' } ], source: [10.1.0.0/16] }, pool: api }"));
        RouteConfig r = c.listeners().get(0).routes().get(0);
        assertThat(r.pool()).isEqualTo("api");
        assertThat(r.host()).isNull();
        assertThat(r.match()).isEqualTo(new RouteMatch("*.example.com",
                new RouteMatch.PathMatch(RouteMatch.PathMatch.Kind.REGEX, "^/u/[0-9]+$"), List.of("GET", "POST"),
                List.of(new RouteMatch.FieldMatch("x-canary", "1", null),
                        new RouteMatch.FieldMatch("x-debug", null, null)),
                List.of(new RouteMatch.FieldMatch("beta", null, "[0-9]+")),
                List.of(CidrRange.parse("10.1.0.0/16"))));
    }

    // The first wave's short form is folded into the same match.
    @Test
    void shortFormBecomesAMatch() throws Exception {
        TandemConfig c = parse(listener("{ host: API.example.com, path-prefix: /v1/, pool: api }"));
        assertThat(c.listeners().get(0).routes().get(0)).isEqualTo(new RouteConfig("api.example.com", "/v1/", "api",
                RouteMatch.of("api.example.com", "/v1/")));
    }

    // Bad conditions are each reported at their own value.
    @Test
    void badConditionsPointAtTheirValues() {
        assertThat(problems(listener(
                "{ match: { path: { prefix: api, exact: /x }, method: [get],"
                        + " headers: [ { name: 'a b', regex: '(' } ] },",
                "    pool: api }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:20: listeners[0].routes[0].match.path: set exactly one of exact, prefix or regex",
                        "t.yaml:6:36: listeners[0].routes[0].match.path.prefix: 'api' must start with /",
                        "t.yaml:6:63: listeners[0].routes[0].match.method[0]: 'get' is not a request method; "
                                + "expected upper-case letters such as GET or POST",
                        "t.yaml:6:88: listeners[0].routes[0].match.headers[0].name: 'a b' is not a valid header name",
                        "t.yaml:6:102: listeners[0].routes[0].match.headers[0].regex: '(' is not a valid regular "
                                + "expression: Unclosed group (Java syntax, near index 1)"));
    }

    // match and the short form's keys are not mixed, and a route without a pool says so.
    @Test
    void matchAndShortFormAreNotMixed() {
        assertThat(problems(listener("{ host: a.example.com, match: { method: [GET] } }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:9: listeners[0].routes[0].pool: is required: the pool matching requests go to "
                                + "(or redirect, or respond)",
                        "t.yaml:6:17: listeners[0].routes[0].host: set either host or match, not both (write it in "
                                + "match)"));
    }

    // A route that an earlier one takes every request of is a warning with its position, not an error.
    @Test
    void shadowedRouteIsAWarning() throws Exception {
        TandemConfig c = parse(listener(
                "{ match: { path: { prefix: /api/ } }, pool: api }",
                "{ match: { path: { prefix: /api/v2/ }, method: [GET] }, pool: web }",
                "{ match: { host: '*.example.com' }, pool: api }",
                "{ match: { host: 'www.example.com', path: { exact: /x } }, pool: web }",
                "{ match: { path: { prefix: /a }, source: [10.0.0.0/8] }, pool: web }",
                "{ match: { path: { prefix: /ab }, source: [10.1.0.0/16] }, pool: web }",
                "{ match: { path: { prefix: /ab }, source: [11.0.0.0/16] }, pool: web }"));
        assertThat(c.warnings()).extracting(Problem::toString).containsExactly(
                "t.yaml:7:9: listeners[0].routes[1]: never matches: routes[0] (earlier, first match wins) takes "
                        + "every request this route would",
                "t.yaml:9:9: listeners[0].routes[3]: never matches: routes[2] (earlier, first match wins) takes "
                        + "every request this route would",
                "t.yaml:11:9: listeners[0].routes[5]: never matches: routes[4] (earlier, first match wins) takes "
                        + "every request this route would");
    }

    // Narrower earlier routes shadow nothing: each later route still matches some request.
    @Test
    void narrowerEarlierRoutesShadowNothing() throws Exception {
        TandemConfig c = parse(listener(
                "{ match: { path: { prefix: /api/v2/ } }, pool: api }",
                "{ match: { path: { prefix: /api/ } }, pool: web }",
                "{ match: { method: [GET], headers: [ { name: X-A, equals: '1' } ] }, pool: api }",
                "{ match: { method: [GET, POST], headers: [ { name: X-A } ] }, pool: web }",
                "{ match: { path: { regex: '^/v[0-9]+/x' } }, pool: web }",
                "{ match: { query: [ { name: q } ] }, pool: api }",
                "{ match: { host: example.com }, pool: api }"));
        assertThat(c.warnings()).isEmpty();
    }

    // A regex route is shadowed by a prefix its literal start implies.
    @Test
    void regexRouteIsShadowedByAPrefixOfItsLiteralStart() {
        assertThat(RouteShadows.literalStart("^/api/v[0-9]+/x")).isEqualTo("/api/v");
        assertThat(RouteShadows.literalStart("/apix?")).isEqualTo("/api");
        assertThat(RouteShadows.literalStart(".*")).isEmpty();
        RouteMatch prefix = new RouteMatch(null, new RouteMatch.PathMatch(RouteMatch.PathMatch.Kind.PREFIX, "/api/"),
                List.of(), List.of(), List.of(), List.of());
        RouteMatch regex = new RouteMatch(null, new RouteMatch.PathMatch(RouteMatch.PathMatch.Kind.REGEX,
                "^/api/v[0-9]+"), List.of(), List.of(), List.of(), List.of());
        assertThat(RouteShadows.covers(prefix, regex)).isTrue();
        assertThat(RouteShadows.covers(regex, prefix)).isFalse();
    }

    // Rewrites, redirects and fixed responses are read with their templates.
    @Test
    void rewriteRedirectAndRespond() throws Exception {
        TandemConfig c = parse(listener(
                "{ path-prefix: /api/, pool: api, rewrite: { strip-prefix: /api,",
                "    request-headers: [ { set: X-Env, value: prod }, { add: X-Client, value: '{client}' },",
                "                       { remove: X-Debug } ],",
                "    response-headers: [ { set: X-Served-By, value: '{host}' } ] } }",
                "{ path-prefix: /v1/, pool: api, rewrite: { replace-prefix: { from: /v1/, to: /v2/ } } }",
                "{ match: { path: { exact: /old } }, redirect: { status: '301', location: 'https://x{uri}' } }",
                "{ match: { path: { exact: /robots.txt } }, respond: { body: 'User-agent: *' } }"));
        List<RouteConfig> routes = c.listeners().get(0).routes();
        assertThat(routes.get(0).rewrite()).isEqualTo(new RewriteConfig("/api", "", true, List.of(
                new RewriteConfig.HeaderEdit(RewriteConfig.HeaderEdit.Action.SET, "x-env", Template.parse("prod")),
                new RewriteConfig.HeaderEdit(RewriteConfig.HeaderEdit.Action.ADD, "x-client",
                        Template.parse("{client}")),
                new RewriteConfig.HeaderEdit(RewriteConfig.HeaderEdit.Action.REMOVE, "x-debug", null)),
                List.of(new RewriteConfig.HeaderEdit(RewriteConfig.HeaderEdit.Action.SET, "x-served-by",
                        Template.parse("{host}")))));
        assertThat(routes.get(1).rewrite()).isEqualTo(new RewriteConfig("/v1/", "/v2/", false, List.of(), List.of()));
        assertThat(routes.get(2).pool()).isNull();
        assertThat(routes.get(2).redirect()).contains(new RedirectConfig(301, Template.parse("https://x{uri}")));
        assertThat(routes.get(3).respond()).contains(new RespondConfig(200, "text/plain; charset=utf-8",
                "User-agent: *"));
    }

    // A route answers one way; edits of framing headers, bad variables and a rewrite without a pool are refused.
    @Test
    void answerKeysAreChecked() {
        assertThat(problems(listener(
                "{ path-prefix: /a, pool: api, respond: { status: 204, body: x } }",
                "{ path-prefix: /b, redirect: { status: '303', location: '{nope}' }, rewrite: { strip-prefix: b } }",
                "{ path-prefix: /c, pool: api, rewrite: { request-headers: [ { set: Content-Length, value: '1' },",
                "    { remove: X-A, value: b }, { add: X-B } ] } }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:48: listeners[0].routes[0].respond: set one of pool, redirect or respond: a route "
                                + "answers in one way",
                        "t.yaml:6:69: listeners[0].routes[0].respond.body: a 204 response has no body",
                        "t.yaml:7:48: listeners[0].routes[1].redirect.status: '303' is not a redirect status; "
                                + "did you mean '301'? expected one of 301, 302, 307, 308",
                        "t.yaml:7:65: listeners[0].routes[1].redirect.location: '{nope}' is not a variable; expected "
                                + "{client}, {request-id}, {host}, {scheme}, {path}, {query}, {uri}, or {{ for a "
                                + "literal {",
                        "t.yaml:7:86: listeners[0].routes[1].rewrite: only applies to a route with a pool (redirect "
                                + "and respond answer without a backend)",
                        "t.yaml:7:102: listeners[0].routes[1].rewrite.strip-prefix: 'b' must start with /",
                        "t.yaml:8:76: listeners[0].routes[2].rewrite.request-headers[0].set: Content-Length frames "
                                + "the message or the connection; Tandem sets it and it cannot be edited",
                        "t.yaml:9:33: listeners[0].routes[2].rewrite.request-headers[1].value: remove takes no value",
                        "t.yaml:9:38: listeners[0].routes[2].rewrite.request-headers[2]: add needs a value"));
    }

    // Access of a listener and a route: ranges, and a basic-auth file read at load with its users.
    @Test
    void accessIsRead() throws Exception {
        Path file = dir.resolve("admin.htpasswd");
        Files.writeString(file, "alice:" + BasicAuthFileTest.ALICE + "\n");
        String[] lines = listener("{ path-prefix: /admin/, pool: api, access: { allow: [10.0.0.0/8], basic-auth: '"
                + file + "', realm: Admins } }");
        List<String> withAccess = new ArrayList<>(List.of(lines));
        withAccess.add(4, "    access: { deny: [203.0.113.0/24] }");
        TandemConfig c = parse(withAccess.toArray(new String[0]));
        assertThat(c.listeners().get(0).access()).isEqualTo(new AccessConfig(List.of(),
                List.of(CidrRange.parse("203.0.113.0/24")), java.util.Optional.empty()));
        assertThat(c.listeners().get(0).routes().get(0).access()).isEqualTo(new AccessConfig(
                List.of(CidrRange.parse("10.0.0.0/8")), List.of(), java.util.Optional.of(
                        new AccessConfig.BasicAuthConfig(file.toString(), "Admins",
                                Map.of("alice", BasicAuthFileTest.ALICE)))));
    }

    // A basic-auth file that is missing or holds a bad line is reported at the route's basic-auth value.
    @Test
    void badBasicAuthFilesPointAtTheKey() throws Exception {
        Path file = dir.resolve("bad.htpasswd");
        Files.writeString(file, "alice:{SHA}abc\n");
        assertThat(problems(listener("{ path-prefix: /a/, pool: api, access: { basic-auth: '" + file + "' } }",
                "{ path-prefix: /b/, pool: api, access: { basic-auth: '" + dir.resolve("none")
                        + "', realm: 'a\"b' } }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:62: listeners[0].routes[0].access.basic-auth: " + file + " line 1: the hash of "
                                + "'alice' is not bcrypt; expected $2y$... (htpasswd -B makes one; MD5, SHA-1 and "
                                + "crypt hashes are not accepted)",
                        "t.yaml:7:62: listeners[0].routes[1].access.basic-auth: cannot read " + dir.resolve("none")
                                + ": no such file; expected a file of user:bcrypt-hash lines (htpasswd -B)",
                        "t.yaml:7:" + (62 + dir.resolve("none").toString().length() + 11)
                                + ": listeners[0].routes[1].access.realm: a realm cannot hold quotes, backslashes or "
                                + "control characters"));
    }

    // Route limits: a rate per second, minute or hour; a bad rate names the forms it takes.
    @Test
    void routeLimits() throws Exception {
        TandemConfig c = parse(listener("{ path-prefix: /a/, pool: api, limits: { rate: 600/m, connections: 20, "
                + "body: 10MiB } }", "{ path-prefix: /b/, pool: api }"));
        assertThat(c.listeners().get(0).routes().get(0).limits()).isEqualTo(new RouteLimits(10L << 20, 600,
                java.time.Duration.ofMinutes(1), 20));
        assertThat(c.listeners().get(0).routes().get(1).limits()).isSameAs(RouteLimits.NONE);
        assertThat(c.listeners().get(0).trackedClients()).isEqualTo(65536);
        assertThat(problems(listener("{ path-prefix: /a/, pool: api, limits: { rate: 100/day } }")))
                .isEqualTo("t.yaml:6:56: listeners[0].routes[0].limits.rate: '100/day' is not a rate; expected "
                        + "requests per second, minute or hour per client address, e.g. 100/s, 600/m or 1000/h");
    }

    // A pool's error pages are read at load with a content type by extension; a missing file is reported at its key.
    @Test
    void errorPages() throws Exception {
        Path page = dir.resolve("503.html");
        Files.writeString(page, "<h1>Back soon</h1>");
        Path text = dir.resolve("504.txt");
        Files.writeString(text, "slow");
        TandemConfig c = parse("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]", "pools:", "  web:",
                "    error-pages: { 503: '" + page + "', 504: '" + text + "' }",
                "    backends: [ { address: 127.0.0.1:9000 } ]");
        assertThat(c.pool("web").errorPages()).containsOnly(
                Map.entry(503, new ErrorPage(page.toString(), "text/html; charset=utf-8", "<h1>Back soon</h1>")),
                Map.entry(504, new ErrorPage(text.toString(), "text/plain; charset=utf-8", "slow")));
        assertThat(problems("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]", "pools:", "  web:",
                "    error-pages: { 502: '" + dir.resolve("none.html") + "' }",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:4:25: pools.web.error-pages.502: cannot read " + dir.resolve("none.html")
                        + ": no such file; expected a page (HTML, JSON or text) of at most 1MiB");
    }
}
