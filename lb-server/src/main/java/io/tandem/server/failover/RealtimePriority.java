package io.tandem.server.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives one thread of this JVM real-time scheduling (SCHED_RR) with {@code chrt}, as keepalived does for
 * its VRRP process: on a saturated host a normal-priority thread can wait longer than a 20 ms heartbeat
 * interval for a CPU. Best effort: it needs {@code CAP_SYS_NICE} or an {@code RLIMIT_RTPRIO} of at least
 * {@link #PRIORITY} (the systemd unit's {@code LimitRTPRIO=10}) and, in a container, a real-time CPU
 * budget; without them the thread stays at normal priority and that is logged once at start.
 *
 * <p>The budget must be large enough. With real-time group scheduling (cgroup v1, where Docker's
 * {@code --cpu-rt-runtime} applies) a group whose real-time tasks used up their runtime is not moved to
 * normal scheduling: it is stopped until its period ends, up to 950 ms of a 1 s period. The heartbeat
 * thread uses 9-18 ms of CPU a second at 20 ms adverts, more while it runs cold after the start (17 ms in
 * its first 200 ms on an idle host), so the 50 ms a second once suggested here was too little (with a
 * spin in the handover, since fixed, Docker pairs were throttled for 377-908 ms). Below {@link
 * #MIN_RUNTIME_MICROS} a second the thread therefore stays at normal priority, which only ever delays
 * it by a scheduling slice. {@code --reset-on-fork} keeps what the thread starts (processes, threads) out
 * of the budget.
 */
final class RealtimePriority {

    private static final Logger log = LoggerFactory.getLogger(RealtimePriority.class);
    /** Low among real-time priorities: above every normal thread, below the kernel's own. */
    static final int PRIORITY = 10;
    /** The smallest real-time runtime a cgroup must allow per period, and per second. */
    static final long MIN_RUNTIME_MICROS = 100_000;

    private RealtimePriority() {}

    /**
     * Gives the thread {@code tid} (from {@link #currentThreadId()} on that thread) real-time priority.
     * A thread's name is not a safe way to find it: the JVM names the OS thread only once the thread runs,
     * which the starting thread may come before.
     */
    static void raise(String threadName, String tid) {
        if (tid == null) {
            log.info("{} runs at normal priority: its thread id is unknown (no /proc/thread-self)", threadName);
            return;
        }
        String tooSmall = budgetTooSmall(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup/cpu"));
        if (tooSmall != null) {
            log.warn("{} runs at normal priority: {}", threadName, tooSmall);
            return;
        }
        try {
            Process p = new ProcessBuilder("chrt", "--rr", "--reset-on-fork", "-p", Integer.toString(PRIORITY), tid)
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

    /** The Linux thread id of the calling thread, or null where /proc/thread-self does not say. */
    static String currentThreadId() {
        try {
            // "/proc/thread-self" -> "<pid>/task/<tid>"
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Why this process's cgroup gives too little real-time runtime for the heartbeat thread, or null when
     * it gives enough or sets no limit (no real-time group scheduling, cgroup v2, runtime -1).
     *
     * @param procCgroup {@code /proc/self/cgroup}
     * @param cpuMount where the cgroup v1 {@code cpu} controller is mounted; in a container its root is
     *     the container's own group
     */
    static String budgetTooSmall(Path procCgroup, Path cpuMount) {
        Path group = cpuGroup(procCgroup, cpuMount);
        if (group == null) {
            return null;
        }
        try {
            long runtime = Long.parseLong(Files.readString(group.resolve("cpu.rt_runtime_us")).strip());
            long period = Long.parseLong(Files.readString(group.resolve("cpu.rt_period_us")).strip());
            return budgetTooSmall(runtime, period);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** The rule of {@link #budgetTooSmall(Path, Path)}: at least 100 ms per period and per second. */
    static String budgetTooSmall(long runtimeMicros, long periodMicros) {
        if (runtimeMicros < 0 || periodMicros <= 0 || runtimeMicros >= periodMicros) {
            return null;
        }
        if (runtimeMicros >= MIN_RUNTIME_MICROS && runtimeMicros * 1_000_000 / periodMicros >= MIN_RUNTIME_MICROS) {
            return null;
        }
        return "its cgroup's real-time budget (" + runtimeMicros + " us per " + periodMicros + " us) is below "
                + MIN_RUNTIME_MICROS + " us per period and per second, and a thread past its budget stands "
                + "still until the period ends (give the container e.g. --cpu-rt-runtime=200000; "
                + "docs/operations.md, \"Heartbeats on time\")";
    }

    /** The directory of this process's group in the {@code cpu} controller, or null when there is none. */
    private static Path cpuGroup(Path procCgroup, Path cpuMount) {
        String path = null;
        try {
            for (String line : Files.readAllLines(procCgroup)) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && java.util.Arrays.asList(f[1].split(",")).contains("cpu")) {
                    path = f[2];
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (path == null) {
            return null;
        }
        // On a host the mount holds every group; in a container (Docker's host cgroup namespace on v1) the
        // mount's root is the container's own group while /proc/self/cgroup still names the host's path.
        Path nested = cpuMount.resolve(path.replaceFirst("^/+", ""));
        if (Files.exists(nested.resolve("cpu.rt_runtime_us"))) {
            return nested;
        }
        return Files.exists(cpuMount.resolve("cpu.rt_runtime_us")) ? cpuMount : null;
    }
}
