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

/** A backend connection's handler: back to the pool after a response, drained after the client left, closed on strays. */
class BackendHandlerTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: req-1\r\n\r\n";

    // A keep-alive response ends: the connection is idle in this loop's pool, and the next request reuses it.
    @Test
    void keepAliveConnectionGoesBackToThePool() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        b1.writeInbound(bytes("HTTP/1.1 204 No Content\r\n\r\n"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 204 No Content\r\nx-request-id: req-1\r\n\r\n");
        assertThat(b1.isActive()).isTrue();
        assertThat(BackendConnections.current().poll(h.backend(1))).isSameAs(b1);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Connection: close from the backend: the connection closes after the response.
    @Test
    void closingResponseClosesTheConnection() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nx-request-id: req-1\r\n\r\nx");
        assertThat(b1.isActive()).isFalse();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    static Stream<Arguments> drained() {
        return Stream.of(
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", true),
                Arguments.of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", true),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", false),
                Arguments.of("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\nhi", false),
                Arguments.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false));
    }

    // A client that leaves after its request was sent: the answer is read for nobody and the connection kept if small.
    @ParameterizedTest
    @MethodSource("drained")
    void answerToALeftClientIsDrained(String response, boolean kept) {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        client.close();
        assertThat(b1.isActive()).isTrue();
        b1.writeInbound(bytes(response));
        assertThat(b1.isActive()).isEqualTo(kept);
        assertThat(BackendConnections.current().poll(h.backend(1))).isSameAs(kept ? b1 : null);
        assertThat(written(client)).isEmpty();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Bytes from a backend nobody asked make the connection unusable: it closes.
    @Test
    void strayBytesCloseTheConnection() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel idle = h.connection(1);
        idle.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assertThat(idle.isActive()).isFalse();
        assertFalse(h.finishBackends());
    }
}
