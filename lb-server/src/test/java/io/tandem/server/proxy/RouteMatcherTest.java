package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.config.CidrRange;
import io.tandem.config.RouteMatch;
import io.tandem.config.RouteMatch.FieldMatch;
import io.tandem.config.RouteMatch.PathMatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each condition of a route against requests it must and must not match. */
class RouteMatcherTest {

    private static final byte[] TEN_ONE = {10, 1, 2, 3};
    private static final byte[] ELEVEN = {11, 0, 0, 1};

    private static boolean matches(RouteMatch match, String method, String uri, String host, byte[] source,
                                   String... headers) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        return new RouteMatcher(match).matches(new RequestFacts().begin(req, host, source));
    }

    private static RouteMatch host(String host) {
        return new RouteMatch(host, null, List.of(), List.of(), List.of(), List.of());
    }

    private static RouteMatch path(PathMatch.Kind kind, String value) {
        return new RouteMatch(null, new PathMatch(kind, value), List.of(), List.of(), List.of(), List.of());
    }

    // An exact host ignores case and port; a wildcard host matches any depth below its suffix only.
    @Test
    void hosts() {
        assertThat(matches(host("api.example.com"), "GET", "/", "API.Example.com:8080", null)).isTrue();
        assertThat(matches(host("api.example.com"), "GET", "/", "api.example.com.evil", null)).isFalse();
        assertThat(matches(host("api.example.com"), "GET", "/", null, null)).isFalse();
        assertThat(matches(host("*.example.com"), "GET", "/", "a.b.EXAMPLE.com", null)).isTrue();
        assertThat(matches(host("*.example.com"), "GET", "/", "example.com", null)).isFalse();
        assertThat(matches(host("*.example.com"), "GET", "/", "badexample.com", null)).isFalse();
    }

    // The literal text a regex's matches must begin with, compared before the regex runs: never more than
    // every match shares (a quantified last character, an alternation, a special start give less or none).
    @Test
    void regexLiteralPrefixes() {
        assertThat(RouteMatcher.literalPrefix("^/users/[0-9]+/profile$")).isEqualTo("/users/");
        assertThat(RouteMatcher.literalPrefix("/u/[0-9]+")).isEqualTo("/u/");
        assertThat(RouteMatcher.literalPrefix("/api/v1?/x")).isEqualTo("/api/v");
        assertThat(RouteMatcher.literalPrefix("/ab*c")).isEqualTo("/a");
        assertThat(RouteMatcher.literalPrefix("/a{2}")).isEqualTo("/");
        assertThat(RouteMatcher.literalPrefix("/a\\.b")).isEqualTo("/a");
        assertThat(RouteMatcher.literalPrefix("/a|/b")).isEmpty();
        assertThat(RouteMatcher.literalPrefix("(?i)/admin")).isEmpty();
        assertThat(RouteMatcher.literalPrefix(".*\\.php")).isEmpty();
        assertThat(RouteMatcher.literalPrefix("acme")).isEqualTo("acme");
    }

    // A regex condition gives the same answers with its prefix compared first.
    @Test
    void regexConditionsWithTheirPrefix() {
        RouteMatch profile = path(PathMatch.Kind.REGEX, "^/users/[0-9]+/profile$");
        assertThat(matches(profile, "GET", "/users/42/profile?tab=1", "h", null)).isTrue();
        assertThat(matches(profile, "GET", "/users/x/profile", "h", null)).isFalse();
        assertThat(matches(profile, "GET", "/user", "h", null)).isFalse();
        assertThat(matches(profile, "GET", "/", "h", null)).isFalse();
        assertThat(matches(path(PathMatch.Kind.REGEX, "/api/v1?/x"), "GET", "/api/v/x", "h", null)).isTrue();
        assertThat(matches(path(PathMatch.Kind.REGEX, "/a|/b"), "GET", "/b", "h", null)).isTrue();
        RouteMatch tenant = new RouteMatch(null, null, List.of(), List.of(new FieldMatch("X-Tenant", null,
                "acme-[a-z]+")), List.of(), List.of());
        assertThat(matches(tenant, "GET", "/", "h", null, "X-Tenant", "acme-east")).isTrue();
        assertThat(matches(tenant, "GET", "/", "h", null, "X-Tenant", "acm")).isFalse();
        assertThat(matches(tenant, "GET", "/", "h", null, "X-Tenant", "globex-east")).isFalse();
    }

    // Paths are compared without the query, in origin and absolute form.
    @Test
    void paths() {
        assertThat(matches(path(PathMatch.Kind.EXACT, "/old"), "GET", "/old?x=1", "h", null)).isTrue();
        assertThat(matches(path(PathMatch.Kind.EXACT, "/old"), "GET", "/older", "h", null)).isFalse();
        assertThat(matches(path(PathMatch.Kind.PREFIX, "/api/"), "GET", "http://h/api/x", "h", null)).isTrue();
        assertThat(matches(path(PathMatch.Kind.PREFIX, "/api/"), "GET", "/ap?/api/", "h", null)).isFalse();
        assertThat(matches(path(PathMatch.Kind.REGEX, "/u/[0-9]+"), "GET", "/u/42?a", "h", null)).isTrue();
        assertThat(matches(path(PathMatch.Kind.REGEX, "/u/[0-9]+"), "GET", "/u/42/x", "h", null)).isFalse();
    }

    // Methods, headers (present / equals / regex), query parameters and source ranges.
    @Test
    void methodsHeadersQueryAndSource() {
        RouteMatch m = new RouteMatch(null, null, List.of("GET", "POST"),
                List.of(new FieldMatch("x-canary", "1", null), new FieldMatch("x-debug", null, null),
                        new FieldMatch("user-agent", null, ".*Mobile.*")),
                List.of(new FieldMatch("beta", "1", null), new FieldMatch("id", null, "[0-9]+")),
                List.of(CidrRange.parse("10.0.0.0/8")));
        String[] ok = {"X-Canary", "1", "X-Debug", "", "User-Agent", "Foo Mobile Bar"};
        String uri = "/p?a=b&beta=1&id=42";
        assertThat(matches(m, "POST", uri, "h", TEN_ONE, ok)).isTrue();
        assertThat(matches(m, "PUT", uri, "h", TEN_ONE, ok)).isFalse();
        assertThat(matches(m, "GET", uri, "h", ELEVEN, ok)).isFalse();
        assertThat(matches(m, "GET", uri, "h", null, ok)).isFalse();
        assertThat(matches(m, "GET", uri, "h", TEN_ONE, "X-Canary", "2", "X-Debug", "", "User-Agent", "Mobile"))
                .isFalse();
        assertThat(matches(m, "GET", uri, "h", TEN_ONE, "X-Canary", "1", "User-Agent", "Mobile")).isFalse();
        assertThat(matches(m, "GET", uri, "h", TEN_ONE, "X-Canary", "1", "X-Debug", "", "User-Agent", "Desktop"))
                .isFalse();
        assertThat(matches(m, "GET", "/p?beta=10&id=42", "h", TEN_ONE, ok)).isFalse();
        assertThat(matches(m, "GET", "/p?beta=1&id=4x", "h", TEN_ONE, ok)).isFalse();
        assertThat(matches(m, "GET", "/p?id=42&beta=1#f", "h", TEN_ONE, ok)).isTrue();
        assertThat(matches(m, "GET", "/p", "h", TEN_ONE, ok)).isFalse();
    }

    // A present-only query condition takes a bare name and an empty value alike.
    @Test
    void queryPresence() {
        RouteMatch m = new RouteMatch(null, null, List.of(), List.of(), List.of(new FieldMatch("debug", null, null)),
                List.of());
        assertThat(matches(m, "GET", "/?debug", "h", null)).isTrue();
        assertThat(matches(m, "GET", "/?x=1&debug=", "h", null)).isTrue();
        assertThat(matches(m, "GET", "/?debugx=1", "h", null)).isFalse();
        assertThat(matches(m, "GET", "/?x=debug", "h", null)).isFalse();
    }
}
