package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.config.AccessConfig;
import io.tandem.config.CidrRange;
import io.tandem.config.RewriteConfig;
import io.tandem.config.RouteConfig;
import io.tandem.config.RouteLimits;
import io.tandem.config.RouteMatch;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a route's access rules and limits let through, on the real client pipeline: exact bytes out. */
class AdmissionTest {

    private static RouteConfig route(AccessConfig access, RouteLimits limits) {
        return new RouteConfig(null, "/", "web", RouteMatch.of(null, "/"), RewriteConfig.NONE, Optional.empty(),
                Optional.empty(), access, limits);
    }

    private static String refusal(int status, String reason, String message, String extra) {
        String body = message + "\n";
        return "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: " + body.length() + "\r\ncache-control: no-store\r\n" + extra + "\r\n" + body;
    }

    // A denied address gets 403 from the route's rule, nothing reaches a backend, and the connection goes on.
    @Test
    void deniedAddressIsRefusedAndTheConnectionStays() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route(new AccessConfig(List.of(), List.of(CidrRange.parse("192.0.2.0/24")), Optional.empty()),
                RouteLimits.NONE));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n"));
        assertThat(written(client)).isEqualTo(refusal(403, "Forbidden", "Access from your address is not allowed.",
                "x-request-id: r1\r\n"));
        assertThat(h.connects).isEmpty();
        assertThat(client.isActive()).isTrue();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A Content-Length over the route's body limit: 413 before any of it is read, and the connection closes.
    @Test
    void declaredBodyOverTheLimitIsRefusedAndCloses() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route(AccessConfig.OPEN, new RouteLimits(4, 0, Duration.ofSeconds(1), 0)));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("POST / HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\nContent-Length: 5\r\n\r\n"));
        assertThat(written(client)).isEqualTo(refusal(413, "Request Entity Too Large",
                "The request body is larger than this resource accepts.", "x-request-id: r1\r\nconnection: close\r\n"));
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(h.connects).isEmpty();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A chunked body that grows past the limit before the response began: 413, the backend connection is cut.
    @Test
    void streamedBodyOverTheLimitIsRefused() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route(AccessConfig.OPEN, new RouteLimits(4, 0, Duration.ofSeconds(1), 0)));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("POST / HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\nTransfer-Encoding: chunked\r\n"
                + "\r\n3\r\nabc\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("POST / HTTP/1.1\r\n").endsWith("\r\n\r\n3\r\nabc\r\n");
        client.writeInbound(bytes("3\r\ndef\r\n"));
        assertThat(written(client)).isEqualTo(refusal(413, "Request Entity Too Large",
                "The request body is larger than this resource accepts.", "connection: close\r\n"));
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(b1.isActive()).isFalse();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // One request in flight per address: a second connection from it gets 429 until the first is answered.
    @Test
    void inFlightCapRefusesASecondRequestUntilTheFirstEnds() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.routes(route(AccessConfig.OPEN, new RouteLimits(0, 0, Duration.ofSeconds(1), 1)));
        EmbeddedChannel first = h.client();
        EmbeddedChannel second = h.client();
        first.writeInbound(bytes("GET /1 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n"));
        second.writeInbound(bytes("GET /2 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r2\r\n\r\n"));
        assertThat(written(second)).isEqualTo(refusal(429, "Too Many Requests",
                "Too many requests from your address at once; retry later.", "retry-after: 1\r\nx-request-id: r2\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("GET /1 HTTP/1.1\r\n");
        b1.writeInbound(bytes("HTTP/1.1 204 No Content\r\n\r\n"));
        assertThat(written(first)).isEqualTo("HTTP/1.1 204 No Content\r\nx-request-id: r1\r\n\r\n");
        second.writeInbound(bytes("GET /2 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r3\r\n\r\n"));
        assertThat(written(b1)).startsWith("GET /2 HTTP/1.1\r\n");
        assertThat(h.connects).containsExactly("10.0.0.1:80");
        b1.writeInbound(bytes("HTTP/1.1 204 No Content\r\n\r\n"));
        assertThat(written(second)).isEqualTo("HTTP/1.1 204 No Content\r\nx-request-id: r3\r\n\r\n");
        assertFalse(first.finishAndReleaseAll());
        assertFalse(second.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
