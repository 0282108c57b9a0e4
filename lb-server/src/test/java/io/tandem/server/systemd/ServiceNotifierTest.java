package io.tandem.server.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sd_notify messages as systemd receives them: a real unix datagram socket
 * bound by the test, read right after each call (a unix datagram is queued at
 * the receiver when sendto returns).
 */
class ServiceNotifierTest {

    private static final long PID = 4242;

    @TempDir
    Path dir;

    private Socket systemd;

    @BeforeEach
    void loadNative() {
        Epoll.ensureAvailability();
        systemd = Socket.newSocketDomainDgram();
    }

    @AfterEach
    void closeSocket() throws IOException {
        systemd.close();
    }

    private String received() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        DomainDatagramSocketAddress from = systemd.recvFromDomainSocket(buffer, 0, buffer.capacity());
        assertThat(from).as("a datagram is waiting").isNotNull();
        buffer.limit(from.receivedAmount());
        return StandardCharsets.UTF_8.decode(buffer).toString();
    }

    private ServiceNotifier boundAtPath(Map<String, String> more) throws IOException {
        Path socket = dir.resolve("notify");
        systemd.bind(new DomainSocketAddress(socket.toFile()));
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put("NOTIFY_SOCKET", socket.toString());
        return ServiceNotifier.fromEnvironment(env, PID);
    }

    // Each call sends its exact message; a status of several lines becomes one line.
    @Test
    void sendsTheLifecycleMessagesToAPathSocket() throws IOException {
        try (ServiceNotifier notifier = boundAtPath(Map.of())) {
            notifier.ready("serving 2 listener(s)");
            assertThat(received()).isEqualTo("READY=1\nSTATUS=serving 2 listener(s)");

            long before = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            notifier.reloading();
            long after = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
            String reloading = received();
            assertThat(reloading).matches("RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=reloading the config");
            long usec = Long.parseLong(reloading.split("\n")[1].substring("MONOTONIC_USEC=".length()));
            assertThat(usec).isBetween(before, after);

            notifier.reloaded("reload refused:\n  a.yaml:1:1: bad\n  a.yaml:2:1: worse");
            assertThat(received()).isEqualTo("READY=1\nSTATUS=reload refused:; a.yaml:1:1: bad; a.yaml:2:1: worse");

            notifier.watchdog();
            assertThat(received()).isEqualTo("WATCHDOG=1");

            notifier.stopping("draining");
            assertThat(received()).isEqualTo("STOPPING=1\nSTATUS=draining");
        }
    }

    // NOTIFY_SOCKET=@name is a name in the abstract namespace (no file), as systemd may pass it.
    @Test
    void sendsToAnAbstractSocket() throws IOException {
        String name = "tandem-test-" + UUID.randomUUID();
        systemd.bind(new DomainSocketAddress("\0" + name));
        try (ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "@" + name), PID)) {
            notifier.ready("up");
            assertThat(received()).isEqualTo("READY=1\nSTATUS=up");
        }
    }

    // WATCHDOG_USEC sets the timeout for this process; WATCHDOG_PID of another process, or none, means no pings.
    @Test
    void watchdogTimeoutFollowsTheEnvironment() throws IOException {
        try (ServiceNotifier mine = boundAtPath(Map.of("WATCHDOG_USEC", "3000000", "WATCHDOG_PID", "4242"))) {
            assertThat(mine.watchdogTimeout()).contains(Duration.ofSeconds(3));
        }
        Path socket = dir.resolve("notify");
        try (ServiceNotifier other = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.toString(),
                "WATCHDOG_USEC", "3000000", "WATCHDOG_PID", "1"), PID)) {
            assertThat(other.watchdogTimeout()).isEmpty();
        }
        try (ServiceNotifier unset = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.toString()), PID)) {
            assertThat(unset.watchdogTimeout()).isEmpty();
        }
    }

    // Without NOTIFY_SOCKET nothing is sent and no watchdog runs, even with WATCHDOG_USEC set.
    @Test
    void withoutNotifySocketNothingIsSent() throws IOException {
        Path socket = dir.resolve("notify");
        systemd.bind(new DomainSocketAddress(socket.toFile()));
        try (ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "3000000"), PID)) {
            notifier.ready("up");
            assertThat(notifier.watchdogTimeout()).isEmpty();
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(64);
        assertThat(systemd.recvFromDomainSocket(buffer, 0, buffer.capacity())).isNull();
    }

    // A relative path is neither of systemd's two forms: refused, so the notifier sends nothing.
    @Test
    void aRelativeSocketPathIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NotifySocket.address("run/notify"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NOTIFY_SOCKET=run/notify is neither an absolute path nor an abstract name (@...)");
        assertThat(NotifySocket.address("@x")).containsExactly(0, 'x');
    }
}
