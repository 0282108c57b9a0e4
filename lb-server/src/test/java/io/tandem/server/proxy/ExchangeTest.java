package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.server.metrics.RetryCause;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One request through the real client and backend pipelines: exact bytes each way, retries, Tandem's own answers. */
class ExchangeTest {

    private static final String GET = "GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: req-1\r\n\r\n";
    private static final String POST = "POST /order HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: req-1\r\n"
            + "Content-Length: 3\r\n\r\nabc";
    /** {@link #GET} as the backend gets it: HTTP/1.1, the forwarding headers added. */
    private static final String GET_FORWARDED = "GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: req-1\r\n"
            + "x-forwarded-for: 192.0.2.7\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop.example\r\n"
            + "forwarded: for=192.0.2.7;proto=http;host=\"shop.example\"\r\n\r\n";
    private static final String POST_FORWARDED = "POST /order HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: req-1\r\n"
            + "Content-Length: 3\r\nx-forwarded-for: 192.0.2.7\r\nx-forwarded-proto: http\r\n"
            + "x-forwarded-host: shop.example\r\nforwarded: for=192.0.2.7;proto=http;host=\"shop.example\"\r\n\r\nabc";
    private static final String OK = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi";
    private static final String OK_FORWARDED = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\n"
            + "x-request-id: req-1\r\n\r\nhi";

    private static String answer(int status, String reason, String message, boolean close) {
        String body = message + "\n";
        return "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: " + body.length() + "\r\ncache-control: no-store\r\nx-request-id: req-1\r\n"
                + (close ? "connection: close\r\n" : "") + "\r\n" + body;
    }

    // A GET goes to the backend with the forwarding headers; the answer comes back as bytes with X-Request-Id.
    @Test
    void getIsForwardedAndAnsweredByteForByte() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).isEqualTo(GET_FORWARDED);
        b1.writeInbound(bytes(OK));
        assertThat(written(client)).isEqualTo(OK_FORWARDED);
        assertThat(h.connects).containsExactly("10.0.0.1:80");
        assertThat(client.isActive()).isTrue();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A response that needs the object path (chunked) is re-encoded, with the same added header.
    @Test
    void chunkedResponseTakesTheObjectPath() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                + "x-request-id: req-1\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    static Stream<Arguments> connectFailures() {
        return Stream.of(
                // refused by b1: b2 answers.
                Arguments.of(2, List.of(new ConnectException("refused")), List.of("10.0.0.1:80", "10.0.0.2:80"),
                        OK_FORWARDED),
                // refused by both: 502.
                Arguments.of(2, List.of(new ConnectException("refused"), new ConnectException("refused")),
                        List.of("10.0.0.1:80", "10.0.0.2:80"),
                        answer(502, "Bad Gateway", "No backend of pool 'web' could be reached.", false)),
                // the last one timed out: 504.
                Arguments.of(2, List.of(new ConnectException("refused"), new ConnectTimeoutException("slow")),
                        List.of("10.0.0.1:80", "10.0.0.2:80"),
                        answer(504, "Gateway Timeout", "The backend did not accept a connection in time.", false)),
                // a pool of one: nothing else to try.
                Arguments.of(1, List.of(new ConnectException("refused")), List.of("10.0.0.1:80"),
                        answer(502, "Bad Gateway", "No backend of pool 'web' could be reached.", false)));
    }

    // Connect failures go to the next untried backend; when none is left, 502, or 504 after a connect timeout.
    @ParameterizedTest
    @MethodSource("connectFailures")
    void connectFailureGoesToAnotherBackendOrIsAnswered(int backends, List<Throwable> failures,
                                                        List<String> connects, String toClient) {
        ProxyHarness h = new ProxyHarness(backends, 2);
        for (int i = 0; i < failures.size(); i++) {
            h.refuse(i + 1, failures.get(i));
        }
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        if (!h.opened.isEmpty()) {
            EmbeddedChannel answering = h.opened.get(0);
            assertThat(written(answering)).isEqualTo(GET_FORWARDED);
            answering.writeInbound(bytes(OK));
        }
        assertThat(h.connects).isEqualTo(connects);
        assertThat(written(client)).isEqualTo(toClient);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A GET reset after it was sent, before any response byte, goes to the next backend.
    @Test
    void resetGetIsRetriedOnAnotherBackend() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).isEqualTo(GET_FORWARDED);
        b1.close();
        EmbeddedChannel b2 = h.opened.get(1);
        assertThat(written(b2)).isEqualTo(GET_FORWARDED);
        b2.writeInbound(bytes(OK));
        assertThat(written(client)).isEqualTo(OK_FORWARDED);
        assertThat(h.pool.meters().retries(RetryCause.RESET)).isEqualTo(1);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A POST whose body went out is never sent again: 502, and the connection closes (the body was read).
    @Test
    void resetPostIsAnswered502() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(POST));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).isEqualTo(POST_FORWARDED);
        b1.close();
        assertThat(h.opened).hasSize(1);
        assertThat(written(client)).isEqualTo(
                answer(502, "Bad Gateway", "The backend closed the connection before answering.", false));
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A pooled connection the backend had closed: in a pool of one, the same backend again on a new connection.
    @Test
    void staleConnectionGoesToTheSameBackendOnANewOne() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel stale = h.connection(1);
        h.pool(1, stale);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        assertThat(written(stale)).isEqualTo(GET_FORWARDED);
        stale.close();
        assertThat(h.connects).containsExactly("10.0.0.1:80");
        EmbeddedChannel fresh = h.opened.get(0);
        assertThat(written(fresh)).isEqualTo(GET_FORWARDED);
        fresh.writeInbound(bytes(OK));
        assertThat(written(client)).isEqualTo(OK_FORWARDED);
        assertThat(h.pool.meters().retries(RetryCause.STALE_CONNECTION)).isEqualTo(1);
        assertThat(h.pool.meters().of(h.backend(1)).failures()).isZero();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A stale pooled connection to a backend drained while the request was on it: no new connection to
    // the drained backend (the same-backend retry checks it still takes requests); a pool of one answers 502.
    @Test
    void staleConnectionToADrainedBackendOpensNoNewOne() {
        ProxyHarness h = new ProxyHarness(1, 0);
        EmbeddedChannel stale = h.connection(1);
        h.pool(1, stale);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        assertThat(written(stale)).isEqualTo(GET_FORWARDED);
        h.pool.health().drain(h.backend(1), "test");
        stale.close();
        assertThat(h.connects).isEmpty();
        assertThat(written(client)).isEqualTo(
                answer(502, "Bad Gateway", "No backend of pool 'web' could be reached.", false));
        assertThat(h.pool.meters().retries(RetryCause.STALE_CONNECTION)).isZero();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A backend silent past the response timeout: 504 (the timer is the client connection's; no sleeping).
    @Test
    void silentBackendIsAnswered504() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.freezeTime();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        for (int i = 0; i < 6; i++) {
            client.advanceTimeBy(1, TimeUnit.SECONDS);
            client.runPendingTasks();
        }
        assertThat(written(client)).isEqualTo(
                answer(504, "Gateway Timeout", "The backend did not answer in time.", false));
        assertThat(b1.isActive()).isFalse();
        assertThat(h.opened).hasSize(1);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // The backend closing mid-response can only be told by closing the client connection.
    @Test
    void closeMidResponseClosesTheClient() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"));
        b1.close();
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nx-request-id: req-1\r\n\r\nhello");
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(h.opened).hasSize(1);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A backend that stalls mid-response has the response timeout between two reads (as nginx's
    // proxy_read_timeout): each part it sends restarts it, and past it the client connection is cut.
    @Test
    void stallMidResponseCutsTheClientAfterTheResponseTimeout() {
        ProxyHarness h = new ProxyHarness(2, 2);
        EmbeddedChannel client = h.client();
        client.freezeTime();
        client.writeInbound(bytes(GET));
        EmbeddedChannel b1 = h.opened.get(0);
        written(b1);
        b1.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel"));
        for (int i = 0; i < 4; i++) {
            client.advanceTimeBy(1, TimeUnit.SECONDS);
            client.runPendingTasks();
        }
        b1.writeInbound(bytes("lo"));
        for (int i = 0; i < 4; i++) {
            client.advanceTimeBy(1, TimeUnit.SECONDS);
            client.runPendingTasks();
        }
        assertThat(client.isActive()).as("8 s in, but never 5 s without a byte").isTrue();
        assertThat(b1.isActive()).isTrue();
        client.advanceTimeBy(1, TimeUnit.SECONDS);
        client.runPendingTasks();
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nx-request-id: req-1\r\n\r\nhello");
        assertThat(client.isActive()).isFalse();
        assertThat(b1.isActive()).isFalse();
        assertThat(h.opened).hasSize(1);
        assertThat(h.pool.meters().of(h.backend(1)).failures()).isEqualTo(1);
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // With every backend down the pool has none to pick: 503 with Retry-After.
    @Test
    void noBackendUpIsAnswered503() {
        ProxyHarness h = new ProxyHarness(1, 2);
        h.pool.health().drain(h.backend(1), "test");
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes(GET));
        String body = "No backend of pool 'web' is up.\n";
        assertThat(written(client)).isEqualTo("HTTP/1.1 503 Service Unavailable\r\n"
                + "content-type: text/plain; charset=utf-8\r\ncontent-length: " + body.length() + "\r\n"
                + "cache-control: no-store\r\nx-request-id: req-1\r\nretry-after: 1\r\n\r\n" + body);
        assertThat(h.connects).isEmpty();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
