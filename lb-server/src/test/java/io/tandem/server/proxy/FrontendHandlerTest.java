package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client end: what it refuses to proxy, how it forwards, and pipelined requests in order. */
class FrontendHandlerTest {

    private static String answer(int status, String reason, String message) {
        String body = message + "\n";
        return "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: " + body.length() + "\r\ncache-control: no-store\r\nconnection: close\r\n\r\n" + body;
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("GET / HTTP/1.1\r\n\r\n",
                        answer(400, "Bad Request", "An HTTP/1.1 request needs a Host header.")),
                Arguments.of("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                        answer(405, "Method Not Allowed", "CONNECT is not served: this is a reverse proxy.")),
                Arguments.of("GET / HTTP/1.2\r\nHost: a\r\n\r\n",
                        answer(505, "HTTP Version Not Supported", "Only HTTP/1.0 and HTTP/1.1 are served here.")));
    }

    // What cannot be proxied is answered here, never reaches a backend, and closes the connection.
    @ParameterizedTest
    @MethodSource("refused")
    void refusesWhatItCannotProxy(String request, String response) {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(request));
        assertThat(written(client)).isEqualTo(response);
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(h.connects).isEmpty();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Hop-by-hop headers go, X-Forwarded-For is appended to, and an HTTP/1.0 client's request goes out as 1.1.
    @Test
    void forwardsAnHttp10RequestAsHttp11() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET /x HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nX-Forwarded-For: 198.51.100.1\r\nX-Request-Id: req-1\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).isEqualTo("GET /x HTTP/1.1\r\nHost: a\r\n"
                + "X-Request-Id: req-1\r\nx-forwarded-for: 198.51.100.1, 192.0.2.7\r\nx-forwarded-proto: http\r\n"
                + "x-forwarded-host: a\r\nforwarded: for=192.0.2.7;proto=http;host=\"a\"\r\n\r\n");
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: req-1\r\n"
                + "connection: keep-alive\r\n\r\nhi");
        assertThat(client.isActive()).isTrue();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Two pipelined requests: the second waits for the first response, then reuses the same backend connection.
    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET /1 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n"
                + "GET /2 HTTP/1.1\r\nHost: a\r\nX-Request-Id: r2\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("GET /1 HTTP/1.1\r\n").doesNotContain("GET /2");
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"));
        assertThat(written(b1)).startsWith("GET /2 HTTP/1.1\r\n");
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nx-request-id: r1\r\n\r\n1"
                + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nx-request-id: r2\r\n\r\n2");
        assertThat(h.connects).containsExactly("10.0.0.1:80");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Connection: close from the client: the response says so and the connection closes after it.
    @Test
    void clientCloseIsHonoured() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-Request-Id: req-1\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("GET / HTTP/1.1\r\n");
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-request-id: req-1\r\n"
                + "connection: close\r\n\r\n");
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
