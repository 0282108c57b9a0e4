package io.tandem.server.proxy;

import io.tandem.config.AccessLogConfig;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.SyslogConfig;
import io.tandem.server.logging.SyslogFrame;
import io.tandem.server.logging.SyslogSender;
import io.tandem.server.metrics.ProxyMetrics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The access logs of one node's listeners and the syslog senders they share:
 * one {@link SyslogSender} (one thread, one connection) per server and
 * transport, however many listeners send there, kept across reloads while a
 * listener still sends there. Called on the control thread (start, reload,
 * close); the access logs it makes are used on the event loops.
 */
public final class AccessLogs implements AutoCloseable {

    private record Target(SyslogConfig.Transport transport, HostPort address) {}

    private final ProxyMetrics metrics;
    /** This machine's name, looked up at the first syslog target (a slow resolver then costs nothing else). */
    private String hostname;
    private final long pid = ProcessHandle.current().pid();
    private final Map<Target, SyslogSender> senders = new HashMap<>();

    public AccessLogs(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /** The access log of {@code listener}: to its syslog target when it has one, else to the logger. */
    synchronized AccessLog of(ListenerConfig listener) {
        AccessLogConfig config = listener.accessLog();
        if (!config.enabled() || config.syslog().isEmpty()) {
            return AccessLog.of(listener.name(), config);
        }
        SyslogConfig syslog = config.syslog().get();
        if (hostname == null) {
            hostname = hostname();
        }
        SyslogSender sender = senders.computeIfAbsent(new Target(syslog.transport(), syslog.address()),
                t -> SyslogSender.start(t.address(), t.transport(),
                        drop -> metrics.accessLogDropped(drop == SyslogSender.Drop.QUEUE_FULL)));
        SyslogFrame frame = new SyslogFrame(syslog.facility(), hostname, syslog.appName(), pid, "access");
        return AccessLog.of(listener.name(), config, line -> sender.offer(frame.message(Instant.now(), line)));
    }

    /** Stops the senders no listener of {@code listeners} (the config in force) sends to. */
    public synchronized void retain(Collection<ListenerConfig> listeners) {
        Set<Target> used = new HashSet<>();
        for (ListenerConfig l : listeners) {
            l.accessLog().syslog().filter(s -> l.accessLog().enabled())
                    .ifPresent(s -> used.add(new Target(s.transport(), s.address())));
        }
        senders.entrySet().removeIf(e -> {
            if (used.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    @Override
    public synchronized void close() {
        senders.values().forEach(SyslogSender::close);
        senders.clear();
    }

    /** This machine's name for the HOSTNAME field, or "-" (RFC 5424's nil) when it has none. */
    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "-";
        }
    }
}
