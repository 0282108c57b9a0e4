package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The built jar as a process in front of two stub backends: the first real request path. */
class FoundationIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        lb.config().listener("web", "web").pool("web", p -> p.strategy("round-robin").backends(a, b));
        lb.start();
    }

    private static URI uri(String path) {
        return lb.uri("web", path);
    }

    // Four requests are answered alternately by each backend, in round-robin order.
    @Test
    void requestsAlternateBetweenBackends() throws Exception {
        List<String> answeredBy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello from " + r.headers().firstValue("X-Backend").orElseThrow());
            answeredBy.add(r.headers().firstValue("X-Backend").orElseThrow());
        }
        assertThat(answeredBy.get(0)).isNotEqualTo(answeredBy.get(1));
        assertThat(answeredBy).containsExactly(answeredBy.get(0), answeredBy.get(1), answeredBy.get(0),
                answeredBy.get(1));
        assertThat(answeredBy).containsOnly("a", "b");
    }

    // A 1 MiB upload reaches the backend byte for byte (length and SHA-256 match).
    @Test
    void oneMebibyteUploadPassesThrough() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(42).nextBytes(body);
        String expected = body.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(expected);
    }

    // A 10 MiB download arrives byte for byte.
    @Test
    void tenMebibyteDownloadPassesThrough() throws Exception {
        long size = 10L << 20;
        Downloads.Result r = Downloads.start(uri("/download?bytes=" + size)).get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(size);
        assertThat(r.mismatches()).isZero();
    }

    // A missing config file: exit code 2 and a message naming the file.
    @Test
    void missingConfigExitsTwo() throws Exception {
        Path missing = lb.dir().resolve("missing.yaml");
        TandemProcess p = lb.launch("run", "-c", missing.toString());
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(p.output()).contains(missing + ": no such file");
    }

    // Unknown commands print the usage and exit 2.
    @Test
    void unknownCommandExitsTwo() throws Exception {
        TandemProcess p = lb.launch("frobnicate");
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(p.output()).contains("unknown command 'frobnicate'").contains("usage: tandem");
    }
}
