package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: stop accepting, let the request in flight finish, exit 0. */
class ShutdownIT {

    @TempDir
    Path dir;

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
        try (StubBackend slow = new StubBackend("slow")) {
            int port = Ports.free();
            int admin = Ports.free();
            Path config = dir.resolve("tandem.yaml");
            Path pidFile = dir.resolve("tandem.pid");
            Files.writeString(config, "listeners:\n  - { name: web, bind: 127.0.0.1:" + port + ", pool: web }\n"
                    + "admin: { bind: 127.0.0.1:" + admin + " }\n"
                    + "shutdown-timeout: 60s\n"
                    + "pools:\n  web:\n    backends:\n      - { address: " + slow.address() + " }\n");
            TandemProcess tandem = TandemProcess.start(dir, "run", "-c", config.toString(), "--pid-file",
                    pidFile.toString());
            try {
                tandem.awaitHealthy(admin);
                assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(tandem.pid()));
                long size = 4L << 20;
                var download = Downloads.start(URI.create("http://127.0.0.1:" + port + "/hold?bytes=" + size));
                assertThat(slow.holding.await(30, TimeUnit.SECONDS)).isTrue();

                tandem.process().destroy(); // SIGTERM
                Poll.until(Duration.ofSeconds(10), "the listener to refuse new connections", () -> !accepts(port));
                assertThat(tandem.process().isAlive()).as("still finishing the download").isTrue();

                slow.releaseHeld();
                assertThat(download.get(60, TimeUnit.SECONDS)).isEqualTo(new Downloads.Result(200, size, 0, "slow"));
                assertThat(tandem.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
                assertThat(tandem.output()).contains("SIGTERM: shutting down gracefully");
                assertThat(pidFile).doesNotExist();
            } finally {
                tandem.close();
            }
        }
    }
}
