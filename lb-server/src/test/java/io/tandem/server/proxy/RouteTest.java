package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.config.RedirectConfig;
import io.tandem.config.RespondConfig;
import io.tandem.config.RewriteConfig;
import io.tandem.config.RewriteConfig.HeaderEdit;
import io.tandem.config.RouteConfig;
import io.tandem.config.RouteMatch;
import io.tandem.config.Template;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a route does to the requests it takes: path and header rewrites, redirects, fixed responses. */
class RouteTest {

    private static final Template.Values VALUES = v -> switch (v) {
        case CLIENT -> "10.0.0.7";
        case HOST -> "www.example.com";
        case URI -> "/old?x=1";
        default -> "?";
    };

    private static HttpRequest rewritten(RewriteConfig rewrite, String uri, String... headers) {
        Route route = Route.of(new RouteConfig(null, null, "p", RouteMatch.ANY, rewrite, Optional.empty(),
                Optional.empty()), null, 16);
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        route.rewrite(req, new RequestFacts().begin(req, "h", null), VALUES);
        return req;
    }

    private static RewriteConfig path(String from, String to, boolean strip) {
        return new RewriteConfig(from, to, strip, List.of(), List.of());
    }

    // strip-prefix keeps a leading slash and the query; replace-prefix swaps the prefix; others are left alone.
    @Test
    void pathRewrites() {
        assertThat(rewritten(path("/api", "", true), "/api/users?id=1").uri()).isEqualTo("/users?id=1");
        assertThat(rewritten(path("/api/", "", true), "/api/users").uri()).isEqualTo("/users");
        assertThat(rewritten(path("/api", "", true), "/api").uri()).isEqualTo("/");
        assertThat(rewritten(path("/api", "", true), "/other").uri()).isEqualTo("/other");
        assertThat(rewritten(path("/v1/", "/v2/", false), "/v1/x?q#f").uri()).isEqualTo("/v2/x?q#f");
        assertThat(rewritten(path("/v1/", "/v2/", false), "/v1").uri()).isEqualTo("/v1");
    }

    // Header edits run in order: set replaces every value, add appends, remove drops; values expand variables.
    @Test
    void headerEdits() {
        RewriteConfig edits = new RewriteConfig(null, null, false, List.of(
                new HeaderEdit(HeaderEdit.Action.SET, "x-env", Template.parse("prod")),
                new HeaderEdit(HeaderEdit.Action.ADD, "x-client", Template.parse("{client}")),
                new HeaderEdit(HeaderEdit.Action.REMOVE, "x-debug", null)), List.of());
        HttpRequest req = rewritten(edits, "/", "X-Env", "dev", "X-Env", "test", "X-Client", "a", "X-Debug", "1");
        assertThat(req.headers().getAll("x-env")).containsExactly("prod");
        assertThat(req.headers().getAll("x-client")).containsExactly("a", "10.0.0.7");
        assertThat(req.headers().contains("x-debug")).isFalse();
        assertThat(req.uri()).isEqualTo("/");
    }

    // A redirect route answers with its status and expanded Location; a respond route with its exact body.
    @Test
    void answers() {
        Route redirect = Route.of(new RouteConfig(null, null, null, RouteMatch.ANY, RewriteConfig.NONE,
                Optional.of(new RedirectConfig(301, Template.parse("https://{host}/new{uri}"))), Optional.empty()),
                null, 16);
        assertThat(redirect.answersItself()).isTrue();
        FullHttpResponse r = redirect.answer(VALUES);
        assertThat(r.status().code()).isEqualTo(301);
        assertThat(r.headers().get("location")).isEqualTo("https://www.example.com/new/old?x=1");
        assertThat(r.headers().get("content-length")).isEqualTo("0");
        r.release();
        Route respond = Route.of(new RouteConfig(null, null, null, RouteMatch.ANY, RewriteConfig.NONE,
                Optional.empty(), Optional.of(new RespondConfig(503, "text/html", "<h1>é</h1>"))), null, 16);
        FullHttpResponse f = respond.answer(VALUES);
        assertThat(f.status().code()).isEqualTo(503);
        assertThat(f.headers().get("content-type")).isEqualTo("text/html");
        assertThat(f.content().toString(StandardCharsets.UTF_8)).isEqualTo("<h1>é</h1>");
        assertThat(f.headers().getInt("content-length")).isEqualTo(11);
        f.release();
    }
}
