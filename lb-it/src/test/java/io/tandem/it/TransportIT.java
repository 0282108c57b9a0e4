package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon forced onto each I/O transport with {@code -Dtandem.transport}: it says which one
 * it runs, and the same requests come back the same on each.
 */
class TransportIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Two stubs, a and b, behind listener web; the node is not started. */
    private void configure() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        lb.config().listener("web", "web").pool("web", p -> p.strategy("round-robin").backends(a, b));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void forcedTransportRunsAndProxies(String transport) throws Exception {
        configure();
        int port = lb.port("web");
        try (TandemProcess tandem = lb.node().launch(List.of("-Dtandem.transport=" + transport))) {
            String listening = "listener web on /127.0.0.1:" + port + " (pool web, transport " + transport + ")";
            String refused = "-Dtandem.transport=" + transport + ": not available here";
            Poll.until(Duration.ofSeconds(30), "tandem says which transport it runs:\n" + tandem.output(),
                    () -> tandem.output().contains(listening) || !tandem.process().isAlive());
            if (!tandem.output().contains(listening)) {
                // A kernel or seccomp profile without it: the start stops, naming the cause.
                assertThat(transport).isNotEqualTo("nio");
                assertThat(tandem.awaitExit(Duration.ofSeconds(10))).isEqualTo(1);
                assertThat(tandem.output()).contains("tandem: cannot start: IllegalStateException: " + refused);
                return;
            }
            lb.node().awaitHealthy();

            // Keep-alive requests, answered in round-robin turn.
            List<String> answeredBy = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                String backend = r.headers().firstValue("X-Backend").orElseThrow();
                assertThat(r.body()).isEqualTo("hello from " + backend);
                answeredBy.add(backend);
            }
            assertThat(answeredBy).isIn(List.of("a", "b", "a", "b"), List.of("b", "a", "b", "a"));

            // A chunked 2 MiB upload reaches the backend byte for byte.
            byte[] upload = new byte[2 * 1024 * 1024];
            new Random(7).nextBytes(upload);
            HttpResponse<String> up = client.send(HttpRequest.newBuilder(uri(port, "/upload"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).isEqualTo(upload.length + " "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload)));

            // A 5 MiB download comes back whole and in order.
            long size = 5L << 20;
            Downloads.Result down = Downloads.start(uri(port, "/download?bytes=" + size)).get(60, TimeUnit.SECONDS);
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.bytes()).isEqualTo(size);
            assertThat(down.mismatches()).isZero();
        }
    }

    @Test
    void unknownTransportStopsTheStart() throws Exception {
        configure();
        try (TandemProcess tandem = lb.node().launch(List.of("-Dtandem.transport=kqueue"))) {
            assertThat(tandem.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(tandem.output()).contains(
                    "tandem: cannot start: IllegalStateException: -Dtandem.transport=kqueue: expected io_uring, epoll or nio");
        }
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
