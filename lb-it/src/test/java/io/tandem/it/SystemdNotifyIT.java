package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon under a systemd {@code Type=notify} unit, with the test as
 * systemd: NOTIFY_SOCKET points at a unix datagram socket the test reads, and
 * {@code tandem reload} plays the unit's ExecReload.
 */
class SystemdNotifyIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private TandemFixture.Result reloadCommand() throws Exception {
        return lb.runToEnd(Map.of(), "reload", "-c", lb.configFile().toString());
    }

    private static long micros() {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
    }

    /** RELOADING=1 with a CLOCK_MONOTONIC timestamp taken between {@code before} and now. */
    private static void assertReloading(String message, long before) {
        assertThat(message).matches("RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=reloading the config");
        long usec = Long.parseLong(message.split("\n")[1].substring("MONOTONIC_USEC=".length()));
        assertThat(usec).isBetween(before, micros());
    }

    // READY once it serves; RELOADING/READY around an applied and a refused reload, whose STATUS says why and
    // whose `tandem reload` exits 0 and 2; a file that does not validate is refused by `tandem reload` itself
    // (exit 2, the daemon not asked); STOPPING on SIGTERM; `tandem reload` with no daemon exits 1.
    @Test
    void notifiesReadyReloadsAndStopping() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().listener("web", "web").pool("web", p -> p.backend(a));
        try (NotifySocketStub systemd = new NotifySocketStub()) {
            TandemProcess tandem = lb.node().environment("NOTIFY_SOCKET", systemd.address()).start();
            assertThat(systemd.next(WAIT)).isEqualTo("READY=1\nSTATUS=serving 1 listener(s) from " + lb.configFile());

            long before = micros();
            TandemFixture.Result applied = reloadCommand();
            assertThat(applied).isEqualTo(new TandemFixture.Result(0, "reloaded: no listener or backend changed\n"));
            assertReloading(systemd.next(WAIT), before);
            assertThat(systemd.next(WAIT)).isEqualTo("READY=1\nSTATUS=config reloaded: no listener or backend changed");

            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                lb.config().listener("extra", "web", l -> l.bind("127.0.0.1:" + taken.getLocalPort()));
                lb.writeConfig();
                String problem = "listeners.extra: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": ";
                before = micros();
                TandemFixture.Result refused = reloadCommand();
                assertThat(refused.exit()).isEqualTo(2);
                assertThat(refused.output().lines().toList()).hasSize(2);
                assertThat(refused.output().lines().toList().get(0)).startsWith(problem);
                assertThat(refused.output().lines().toList().get(1))
                        .isEqualTo("tandem: reload refused: 1 problem; the running config stays in force");
                assertReloading(systemd.next(WAIT), before);
                assertThat(systemd.next(WAIT)).startsWith("READY=1\nSTATUS=reload refused (1 problem; the running "
                        + "config stays in force): " + problem);
            }

            lb.writeConfig("listeners: [ { name: web, bind: 127.0.0.1:" + lb.port("web") + ", pool: nowhere } ]\n"
                    + "admin: { bind: 127.0.0.1:" + lb.node().adminPort() + " }\npools: {}\n");
            TandemFixture.Result invalid = reloadCommand();
            assertThat(invalid.exit()).isEqualTo(2);
            assertThat(invalid.output()).endsWith("tandem: reload refused: " + lb.configFile()
                    + " is not valid; the running config stays in force\n");

            tandem.process().destroy(); // SIGTERM
            // The next message is STOPPING: the invalid file sent nothing.
            assertThat(systemd.next(WAIT)).isEqualTo("STOPPING=1\nSTATUS=draining connections (at most 30s)");
            assertThat(tandem.awaitExit(WAIT)).isEqualTo(0);

            lb.config().removeListener("extra");
            lb.writeConfig();
            TandemFixture.Result noDaemon = reloadCommand();
            assertThat(noDaemon.exit()).isEqualTo(1);
            assertThat(noDaemon.output()).startsWith("tandem: no answer from the admin API at http://127.0.0.1:"
                    + lb.node().adminPort() + "/api/v1/reload: ");
        }
    }

    // With WATCHDOG_USEC = 400 ms (WatchdogSec=400ms), pings follow READY, every 200 ms.
    @Test
    void pingsTheWatchdogWhileTheEventLoopsAnswer() throws Exception {
        StubBackend a = lb.stub("a");
        lb.config().listener("web", "web").pool("web", p -> p.backend(a));
        try (NotifySocketStub systemd = new NotifySocketStub()) {
            lb.node().environment("NOTIFY_SOCKET", systemd.address()).environment("WATCHDOG_USEC", "400000").start();
            assertThat(systemd.next(WAIT)).startsWith("READY=1\n");
            List<String> pings = List.of(systemd.next(WAIT), systemd.next(WAIT), systemd.next(WAIT));
            assertThat(pings).containsOnly("WATCHDOG=1");
            assertThat(lb.output()).contains("systemd watchdog: 3 event loop(s) must answer within 400 ms; "
                    + "a ping every 200 ms");
        }
    }
}
