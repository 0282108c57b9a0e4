package io.tandem.server.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives one thread of this JVM real-time scheduling (SCHED_RR) with {@code chrt}, as keepalived does for
 * its VRRP process: on a saturated host a normal-priority thread can wait longer than a 20 ms heartbeat
 * interval for a CPU. Best effort: it needs {@code CAP_SYS_NICE} or an {@code RLIMIT_RTPRIO} of at least
 * {@link #PRIORITY} (the systemd unit's {@code LimitRTPRIO=10}) and, in a container, a real-time CPU
 * budget; without them the thread stays at normal priority and that is logged once at start.
 */
final class RealtimePriority {

    private static final Logger log = LoggerFactory.getLogger(RealtimePriority.class);
    /** Low among real-time priorities: above every normal thread, below the kernel's own. */
    static final int PRIORITY = 10;

    private RealtimePriority() {}

    static void raise(String threadName) {
        String tid = tidOf(threadName);
        if (tid == null) {
            log.info("no thread {} in /proc/self/task; it runs at normal priority", threadName);
            return;
        }
        try {
            Process p = new ProcessBuilder("chrt", "--rr", "-p", Integer.toString(PRIORITY), tid)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                log.info("{} runs with real-time priority (SCHED_RR {})", threadName, PRIORITY);
            } else {
                log.info("{} runs at normal priority; real-time priority needs CAP_SYS_NICE or "
                        + "LimitRTPRIO=" + PRIORITY + " and, in a container, a real-time CPU budget ({})", threadName, out);
            }
        } catch (IOException e) {
            log.info("{} runs at normal priority; chrt (util-linux) did not run: {}", threadName, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The Linux thread id of the named Java thread (its name is the task's comm, cut to 15 bytes). */
    private static String tidOf(String threadName) {
        String comm = threadName.length() > 15 ? threadName.substring(0, 15) : threadName;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(comm)) {
                        return task.getFileName().toString();
                    }
                } catch (IOException e) {
                    // the task ended meanwhile
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
