package io.tandem.server.systemd;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd where the daemon is in its life ({@code sd_notify(3)}'s
 * protocol, for a unit with {@code Type=notify}): READY once it serves,
 * RELOADING and READY again around a reload, STOPPING when it drains,
 * WATCHDOG pings, and a STATUS line for {@code systemctl status}. Without
 * {@code $NOTIFY_SOCKET} (not started by systemd) every call does nothing.
 * Thread-safe: each message is one datagram.
 */
public final class ServiceNotifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceNotifier.class);

    /** Null when systemd does not listen. */
    private final NotifySocket socket;
    /** Null when systemd set no watchdog for this process. */
    private final Duration watchdogTimeout;
    private final AtomicBoolean sendFailed = new AtomicBoolean();

    private ServiceNotifier(NotifySocket socket, Duration watchdogTimeout) {
        this.socket = socket;
        this.watchdogTimeout = watchdogTimeout;
    }

    /** A notifier that sends nothing: for a node that systemd does not run (the demo, tests). */
    public static ServiceNotifier none() {
        return new ServiceNotifier(null, null);
    }

    /**
     * The notifier {@code env} asks for: {@code NOTIFY_SOCKET} names systemd's socket; {@code WATCHDOG_USEC}
     * its watchdog timeout, which applies to this process unless {@code WATCHDOG_PID} names another one.
     * A socket that cannot be opened is logged and leaves a notifier that does nothing.
     */
    public static ServiceNotifier fromEnvironment(Map<String, String> env, long pid) {
        String path = env.get("NOTIFY_SOCKET");
        if (path == null || path.isEmpty()) {
            return none();
        }
        NotifySocket socket;
        try {
            socket = NotifySocket.open(path);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("cannot notify systemd at NOTIFY_SOCKET={}: {}", path, e.getMessage());
            return none();
        }
        return new ServiceNotifier(socket, watchdogTimeout(env, pid));
    }

    private static Duration watchdogTimeout(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return null;
        }
        try {
            long micros = Long.parseLong(usec);
            return micros > 0 ? Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(micros)) : null;
        } catch (NumberFormatException e) {
            log.warn("WATCHDOG_USEC={} is not a number of microseconds; no watchdog pings", usec);
            return null;
        }
    }

    /** The watchdog timeout systemd set ({@code WatchdogSec=}), if it listens and set one. */
    public Optional<Duration> watchdogTimeout() {
        return Optional.ofNullable(watchdogTimeout);
    }

    /** The daemon serves: listeners bound, first health checks done. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /**
     * A reload starts; systemd holds {@code systemctl reload} until the next READY. MONOTONIC_USEC is
     * CLOCK_MONOTONIC, which {@link System#nanoTime()} reads on Linux.
     */
    public void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + TimeUnit.NANOSECONDS.toMicros(System.nanoTime())
                + "\nSTATUS=reloading the config");
    }

    /** A reload ended (applied or refused, as {@code status} says); the daemon serves again. */
    public void reloaded(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** The daemon drains and will exit. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    /** The daemon is alive: systemd restarts it when no ping comes within the watchdog timeout. */
    public void watchdog() {
        send("WATCHDOG=1");
    }

    private void send(String message) {
        if (socket == null) {
            return;
        }
        try {
            socket.send(message);
            if (sendFailed.compareAndSet(true, false)) {
                log.info("notifying systemd at {} works again", socket);
            }
        } catch (IOException e) {
            // Once per failure spell: watchdog pings would repeat it several times a second.
            if (sendFailed.compareAndSet(false, true)) {
                log.warn("cannot notify systemd at {}: {}", socket, e.getMessage());
            }
        }
    }

    /** STATUS= is one line of the message: a multi-line text becomes one. */
    private static String oneLine(String status) {
        return status.replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", socket, e.toString());
            }
        }
    }
}
