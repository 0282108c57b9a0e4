package io.tandem.server;

import io.tandem.config.ListenerConfig;
import io.tandem.config.TandemConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads when a listener's ticket-keys file changes, so keys rotate on both
 * nodes of a pair without a restart: one {@link ConfigWatcher} per file the
 * current config names.
 */
final class TicketKeyWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    private final Map<Path, ConfigWatcher> watchers = new LinkedHashMap<>();
    private final Runnable reload;

    TicketKeyWatch(Runnable reload) {
        this.reload = reload;
    }

    /** Watches the ticket-keys files {@code next} names, and no others. */
    void watch(TandemConfig next) {
        Set<Path> files = new HashSet<>();
        for (ListenerConfig l : next.listeners()) {
            l.tls().flatMap(t -> t.ticketKeys()).ifPresent(k -> files.add(Path.of(k.file())));
        }
        watchers.entrySet().removeIf(e -> {
            boolean unused = !files.contains(e.getKey());
            if (unused) {
                closeQuietly(e.getValue());
            }
            return unused;
        });
        for (Path file : files) {
            if (!watchers.containsKey(file)) {
                try {
                    watchers.put(file, new ConfigWatcher(file, reload));
                } catch (java.io.IOException e) {
                    log.error("cannot watch {}: {}; reload (SIGHUP or the admin API) after rotating its keys", file,
                            e.toString());
                }
            }
        }
    }

    private static void closeQuietly(ConfigWatcher watcher) {
        try {
            watcher.close();
        } catch (java.io.IOException e) {
            log.debug("closing a watcher: {}", e.toString());
        }
    }

    @Override
    public void close() {
        watchers.values().forEach(TicketKeyWatch::closeQuietly);
        watchers.clear();
    }
}
