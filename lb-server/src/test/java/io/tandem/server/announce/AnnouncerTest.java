package io.tandem.server.announce;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tandem.config.AnnounceConfig;
import io.tandem.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The announcer between the admin API and the daemon: a drain withdraws (and answers once the daemon was
 * told), a failed command is reported and counted, enable waits for readiness. The daemon here records the
 * calls; AnnounceEcmpIT drives real GoBGP and FRR.
 */
class AnnouncerTest {

    /** Records every call; fails withdraws while {@code failing} is set. */
    static final class RecordingDaemon implements RouteDaemon {
        final List<String> calls = new ArrayList<>();
        volatile String failing;

        @Override
        public void announce(String vip) {
            calls.add("announce " + vip);
        }

        @Override
        public void withdraw(String vip) throws IOException {
            calls.add("withdraw " + vip);
            if (failing != null) {
                throw new IOException(failing);
            }
        }

        @Override
        public String describe() {
            return "recording daemon";
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingDaemon daemon = new RecordingDaemon();
    private final List<String> drained = new ArrayList<>();

    private Announcer announcer() {
        AnnounceConfig config = new AnnounceConfig(List.of("10.0.0.100/32", "10.0.0.101/32"), "lo",
                new AnnounceConfig.Daemon(AnnounceConfig.DaemonType.GOBGP, "gobgp", new HostPort("127.0.0.1", 50051),
                        0, null), "self", List.of(), Duration.ofSeconds(30), Duration.ofMillis(500));
        return new Announcer(config, "lb-1", daemon, registry, () -> null, () -> drained.add("drained"));
    }

    // A drain withdraws every VIP at once and answers with the wait; the connections are not drained yet.
    @Test
    void drainWithdrawsFirst() throws Exception {
        try (Announcer a = announcer()) {
            Announcer.Change c = a.drain().get();
            assertThat(c.ok()).isTrue();
            assertThat(c.state()).isEqualTo("withdrawing");
            assertThat(c.message()).startsWith("withdrawn; connections drain in ");
            assertThat(daemon.calls).containsExactly("withdraw 10.0.0.100/32", "withdraw 10.0.0.101/32");
            assertThat(drained).isEmpty();
            assertThat(registry.get("tandem_announce_changes_total").tag("action", "withdraw").counter().count())
                    .isEqualTo(1.0);
            assertThat(a.drain().get().message()).isEqualTo("already withdrawing");
            assertThat(daemon.calls).hasSize(2);
        }
    }

    // A withdraw the daemon refuses is answered as failed, counted, and shown in the status.
    @Test
    void refusedWithdrawIsReported() throws Exception {
        daemon.failing = "gobgp: exit 1: context deadline exceeded";
        try (Announcer a = announcer()) {
            Announcer.Change c = a.drain().get();
            assertThat(c.ok()).isFalse();
            assertThat(c.message()).isEqualTo("the withdraw failed (gobgp: exit 1: context deadline exceeded; "
                    + "gobgp: exit 1: context deadline exceeded); retried at each check");
            assertThat(registry.get("tandem_announce_errors_total").counter().count()).isEqualTo(1.0);
            assertThat(a.status().lastError()).startsWith("gobgp: exit 1");
            assertThat(a.status().announced()).isTrue();
        }
    }

    // Enable ends a drain without announcing: the next ready check does; on a node not drained it says so.
    @Test
    void enableWaitsForTheNextReadyCheck() throws Exception {
        try (Announcer a = announcer()) {
            assertThat(a.enable().get().message()).isEqualTo("not drained (not-ready)");
            a.drain().get();
            Announcer.Change c = a.enable().get();
            assertThat(c.state()).isEqualTo("not-ready");
            assertThat(c.message()).isEqualTo("enabled; announced once ready");
            assertThat(daemon.calls).doesNotContain("announce 10.0.0.100/32");
            assertThat(a.status().announces()).isZero();
        }
    }
}
