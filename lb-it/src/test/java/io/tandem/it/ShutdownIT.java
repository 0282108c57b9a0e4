package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SIGTERM: stop accepting, let the request in flight finish, exit 0. */
class ShutdownIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // SIGTERM during a long request: the request completes byte for byte, new
    // connections are refused after the signal, the process exits 0 and removes its pid file.
    @Test
    void sigtermLetsTheRequestInFlightFinish() throws Exception {
        StubBackend slow = lb.stub("slow");
        lb.config().listener("web", "web").set("shutdown-timeout", "60s").pool("web", p -> p.backend(slow));
        Path pidFile = lb.dir().resolve("tandem.pid");
        TandemProcess tandem = lb.node().launch(List.of(), "--pid-file", pidFile.toString());
        lb.node().awaitHealthy();
        int port = lb.port("web");
        assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(tandem.pid()));
        long size = 4L << 20;
        var download = Downloads.start(lb.uri("web", "/hold?bytes=" + size));
        assertThat(slow.holding.await(30, TimeUnit.SECONDS)).isTrue();

        tandem.process().destroy(); // SIGTERM
        Poll.until(Duration.ofSeconds(10), "the listener to refuse new connections", () -> !accepts(port));
        assertThat(tandem.process().isAlive()).as("still finishing the download").isTrue();

        slow.releaseHeld();
        assertThat(download.get(60, TimeUnit.SECONDS)).isEqualTo(new Downloads.Result(200, size, 0, "slow"));
        assertThat(tandem.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
        assertThat(tandem.output()).contains("SIGTERM: shutting down gracefully");
        assertThat(pidFile).doesNotExist();
    }

    // SIGTERM with an HTTP/2 stream in flight: the client gets GOAWAY NO_ERROR naming that stream as the last,
    // the stream completes byte for byte, and the process exits 0.
    @Test
    void sigtermSendsGoAwayToHttp2Clients() throws Exception {
        StubBackend slow = lb.stub("slow");
        lb.config().listener("web", "web", l -> l.set("protocols", "[h2, http/1.1]")).set("shutdown-timeout", "60s")
                .pool("web", p -> p.backend(slow));
        TandemProcess tandem = lb.node().launch(List.of());
        lb.node().awaitHealthy();
        try (NettyH2Client client = new NettyH2Client(lb.port("web"))) {
            NettyH2Client.Response r = client.get("app.test", "/hold?bytes=200000");
            assertThat(slow.holding.await(30, TimeUnit.SECONDS)).isTrue();
            tandem.process().destroy(); // SIGTERM
            io.netty.handler.codec.http2.Http2GoAwayFrame goAway = client.goAway.get(10, TimeUnit.SECONDS);
            assertThat(goAway.errorCode()).isEqualTo(0L);
            assertThat(goAway.lastStreamId()).isEqualTo(r.stream.stream().id());
            goAway.release();
            slow.releaseHeld();
            assertThat(r.done.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            byte[] body = r.body().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(body).hasSize(200000);
            for (int i = 0; i < body.length; i++) {
                if (body[i] != StubBackend.pattern(i)) {
                    throw new AssertionError("byte " + i + " differs");
                }
            }
        }
        assertThat(tandem.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
    }
}
