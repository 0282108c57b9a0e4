package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that leaves after its whole request went to the backend does not
 * cost the backend connection: the response is read and dropped, and the
 * connection serves the next request. One event loop, so that the next
 * request sees the same connection pool.
 */
class ClientAbortIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();
    /** Opened by the test once the client has gone. */
    static final CountDownLatch gate = new CountDownLatch(1);
    static volatile boolean answeredFirst;
    static RawBackend gated;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        // Answers every request on a connection; the first one only once the gate opens.
        gated = lb.raw(s -> {
            for (String head; (head = gated.readHead(s)) != null; ) {
                if (gated.requests.get() == 1) {
                    try {
                        if (!gate.await(30, TimeUnit.SECONDS)) {
                            return;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                answeredFirst = true;
            }
        });
        lb.config().listener("web", "web").pool("web", p -> p.backend(gated));
        lb.start("-Dtandem.threads=1");
        port = lb.port("web");
    }

    /** Lets the backend's script end before the fixture stops everything. */
    @AfterAll
    static void openGate() {
        gate.countDown();
    }

    @Test
    void connectionOfAnAbandonedRequestIsKept() throws Exception {
        AdminClient api = lb.admin();
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Poll.until(Duration.ofSeconds(10), "the request at the backend", () -> gated.requests.get() == 1);
        }
        // The client is gone: the exchange ends (no request in flight) while the backend still works on it.
        Poll.until(Duration.ofSeconds(10), "the abandoned request ended",
                () -> api.backend("web", gated.address()).path("activeRequests").asInt() == 0);
        assertThat(api.backend("web", gated.address()).path("connections").asInt()).isEqualTo(1);

        gate.countDown();
        Poll.until(Duration.ofSeconds(10), "the backend answered the abandoned request", () -> answeredFirst);
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
        }
        assertThat(gated.requests.get()).isEqualTo(2);
        assertThat(gated.connections.get()).as("backend connections opened").isEqualTo(1);
    }
}
