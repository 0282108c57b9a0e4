package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic policy and the config's life: {@code tandem check} warns about a
 * shadowed route, a reload swaps a listener's routes whole, and a reload with a
 * bad policy keeps the running one.
 */
class PolicyReloadIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private String get(String path) throws Exception {
        try (RawClient c = new RawClient(lb.port("web"))) {
            RawClient.Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").read();
            return r.status() + " " + r.text();
        }
    }

    // check prints the shadowed route with its position, says ok with one warning, and exits 0.
    @Test
    void checkWarnsAboutAShadowedRoute() throws Exception {
        Path file = lb.file("shadow.yaml", String.join("\n",
                "listeners:",
                "  - bind: 127.0.0.1:8080",
                "    pool: web",
                "    routes:",
                "      - { match: { path: { prefix: /api/ } }, pool: web }",
                "      - { match: { path: { prefix: /api/v2/ }, method: [GET] }, pool: web }",
                "pools:",
                "  web: { backends: [ { address: 127.0.0.1:9000 } ] }",
                ""));
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo("warning: " + file + ":6:9: listeners[0].routes[1]: never matches: "
                + "routes[0] (earlier, first match wins) takes every request this route would\n" + file
                + ": ok (1 warning)\n");
        assertThat(r.exit()).isZero();
    }

    // A reload replaces the routes at once; a reload with a bad basic-auth file is refused and the old routes stay.
    @Test
    void reloadSwapsPoliciesAndRefusesBadOnes() throws Exception {
        StubBackend web = lb.stub("web");
        lb.config().listener("web", "web", l -> l
                        .routeMap("{ match: { path: { exact: /status.txt } }, respond: { body: one } }"))
                .pool("web", p -> p.backend(web));
        lb.start();
        assertThat(get("/status.txt")).isEqualTo("200 one");

        String second = lb.config().render().replace("respond: { body: one } }", "respond: { body: two } }, "
                + "{ match: { path: { exact: /moved } }, redirect: { location: /new } }");
        lb.writeConfig(second);
        HttpResponse<String> ok = lb.reload();
        assertThat(ok.body()).contains("\"applied\" : true");
        assertThat(get("/status.txt")).isEqualTo("200 two");
        assertThat(get("/moved")).isEqualTo("302 ");

        Path bad = lb.file("bad.htpasswd", "alice:plaintext\n");
        lb.writeConfig(second.replace("respond: { body: two } }",
                "respond: { body: three }, access: { basic-auth: '" + bad + "' } }"));
        HttpResponse<String> refused = lb.reload();
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("\"applied\" : false").contains("is not bcrypt");
        assertThat(get("/status.txt")).isEqualTo("200 two");
    }

    // A reload keeps a route's per-client counts: a client over its rate stays refused after a reload that
    // does not touch the route, and a reload that raises the rate lets through exactly the difference.
    @Test
    void reloadKeepsTheCountsOfRateLimits() throws Exception {
        StubBackend web = lb.stub("web");
        lb.config().listener("web", "web", l -> l
                        .routeMap("{ match: { path: { prefix: /rated/ } }, pool: web, limits: { rate: 3/h } }")
                        .routeMap("{ match: { path: { exact: /status.txt } }, respond: { body: one } }"))
                .pool("web", p -> p.backend(web));
        lb.start();
        for (int i = 0; i < 3; i++) {
            assertThat(get("/rated/")).startsWith("200 ");
        }
        assertThat(get("/rated/")).startsWith("429 ");

        String other = lb.config().render().replace("respond: { body: one }", "respond: { body: two }");
        lb.writeConfig(other);
        assertThat(lb.reload().body()).contains("\"applied\" : true");
        assertThat(get("/status.txt")).isEqualTo("200 two");
        assertThat(get("/rated/")).startsWith("429 ");

        lb.writeConfig(other.replace("rate: 3/h", "rate: 5/h"));
        assertThat(lb.reload().body()).contains("\"applied\" : true");
        assertThat(get("/rated/")).startsWith("200 ");
        assertThat(get("/rated/")).startsWith("200 ");
        assertThat(get("/rated/")).startsWith("429 ");
        assertThat(web.requests.get()).isEqualTo(5);
    }
}
