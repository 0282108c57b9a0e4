package io.tandem.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminRouterTest {

    private static final AdminRouter.Endpoint OK = r -> AdminResponse.text(HttpResponseStatus.OK, "ok");

    private final AdminRouter router = new AdminRouter()
            .get("/", OK)
            .get("/status", OK)
            .post("/api/v1/pools/{pool}/backends/{backend}/drain", OK)
            .post("/api/v1/pools/{pool}/backends/{backend}/weight", OK);

    // Parameters are bound by name and percent-decoded (an IPv6 backend address arrives encoded).
    @Test
    void bindsAndDecodesParameters() {
        AdminRouter.Match m = router.match(HttpMethod.POST, "/api/v1/pools/web/backends/%5B::1%5D:8080/drain");
        assertThat(m.route().pattern()).isEqualTo("/api/v1/pools/{pool}/backends/{backend}/drain");
        assertThat(m.route().mutating()).isTrue();
        assertThat(m.params()).isEqualTo(Map.of("pool", "web", "backend", "[::1]:8080"));
    }

    // GET routes answer HEAD; a trailing slash is the same path; "/" is its own route.
    @Test
    void headAndTrailingSlash() {
        assertThat(router.match(HttpMethod.HEAD, "/status/").route().pattern()).isEqualTo("/status");
        assertThat(router.match(HttpMethod.GET, "/").route().pattern()).isEqualTo("/");
        assertThat(router.match(HttpMethod.GET, "/status").route().mutating()).isFalse();
    }

    // A known path with another method lists the methods it has; an unknown path lists none.
    @Test
    void wrongMethodAndUnknownPath() {
        AdminRouter.Match wrong = router.match(HttpMethod.GET, "/api/v1/pools/web/backends/a:1/drain");
        assertThat(wrong.route()).isNull();
        assertThat(wrong.allowed()).isEqualTo(Set.of("POST"));
        AdminRouter.Match post = router.match(HttpMethod.POST, "/status");
        assertThat(post.allowed()).containsExactly("GET", "HEAD");
        AdminRouter.Match unknown = router.match(HttpMethod.GET, "/api/v1/pools/web/backends//drain");
        assertThat(unknown.route()).isNull();
        assertThat(unknown.allowed()).isEmpty();
        assertThat(router.match(HttpMethod.GET, "/nope").allowed()).isEmpty();
    }
}
