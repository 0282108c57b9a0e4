package io.tandem.server;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem run --watch}: reloads when the config file changes. Watches
 * the file's directory (editors replace files by rename) and waits for the
 * writes to settle before reloading, so a half-saved file is not read.
 * Runs on a daemon thread of its own.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    /** Quiet time after the last change event before the reload. */
    private static final long SETTLE_MILLIS = 300;

    private final WatchService watcher;
    private final Path file;
    private final Runnable reload;

    ConfigWatcher(Path file, Runnable reload) throws IOException {
        this.file = file.toAbsolutePath();
        this.reload = reload;
        this.watcher = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        Thread t = new Thread(this::loop, "tandem-watch");
        t.setDaemon(true);
        t.start();
        log.info("watching {} for changes", this.file);
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean changed = concernsFile(key);
                // Swallow the burst of events one save makes, then reload once.
                WatchKey more;
                while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    changed |= concernsFile(more);
                }
                if (changed) {
                    log.info("{} changed: reloading", file);
                    reload.run();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // Closed: the daemon is stopping.
        }
    }

    private boolean concernsFile(WatchKey key) {
        boolean hit = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            Object context = e.context();
            if (context instanceof Path && file.getFileName().equals(context)) {
                hit = true;
            }
        }
        key.reset();
        return hit;
    }

    @Override
    public void close() throws IOException {
        watcher.close();
    }
}
