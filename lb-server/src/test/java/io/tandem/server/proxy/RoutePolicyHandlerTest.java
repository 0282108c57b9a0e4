package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.config.RespondConfig;
import io.tandem.config.RewriteConfig;
import io.tandem.config.RewriteConfig.HeaderEdit;
import io.tandem.config.RouteConfig;
import io.tandem.config.RouteMatch;
import io.tandem.config.Template;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A listener's routes on the real client pipeline: exact bytes in and out, no buffer left behind. */
class RoutePolicyHandlerTest {

    private static RouteConfig route(String prefix, RewriteConfig rewrite, RespondConfig respond) {
        return new RouteConfig(null, prefix, respond == null ? "web" : null, RouteMatch.of(null, prefix), rewrite,
                Optional.empty(), Optional.ofNullable(respond));
    }

    // A fixed response is answered on the connection, its body dropped, and the next request reaches the backend.
    @Test
    void fixedResponseKeepsTheConnection() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route("/robots.txt", RewriteConfig.NONE, new RespondConfig(200, "text/plain", "User-agent: *\n")));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("POST /robots.txt HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\nContent-Length: 3"
                + "\r\n\r\nabc"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n"
                + "x-request-id: r1\r\n\r\nUser-agent: *\n");
        assertThat(h.connects).isEmpty();
        client.writeInbound(bytes("GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r2\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("GET /x HTTP/1.1\r\n");
        b1.writeInbound(bytes("HTTP/1.1 204 No Content\r\n\r\n"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 204 No Content\r\nx-request-id: r2\r\n\r\n");
        assertThat(client.isActive()).isTrue();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A rewrite route strips its prefix and sets a request header; its response header edit runs on the object path.
    @Test
    void rewriteRouteEditsRequestAndResponse() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route("/api", new RewriteConfig("/api", "", true,
                List.of(new HeaderEdit(HeaderEdit.Action.SET, "x-client", Template.parse("{client}"))),
                List.of(new HeaderEdit(HeaderEdit.Action.REMOVE, "server", null),
                        new HeaderEdit(HeaderEdit.Action.SET, "x-served-by", Template.parse("{scheme}")))), null));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET /api/users?id=1 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        String sent = written(b1);
        assertThat(sent).startsWith("GET /users?id=1 HTTP/1.1\r\n").contains("\r\nx-client: 192.0.2.7\r\n");
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nServer: app/1.0\r\nContent-Length: 2\r\n\r\nok"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: r1\r\n"
                + "x-served-by: http\r\n\r\nok");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
