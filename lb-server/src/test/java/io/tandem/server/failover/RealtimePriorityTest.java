package io.tandem.server.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealtimePriorityTest {

    @TempDir
    Path dir;

    @Test
    void aBudgetOfAtLeast100msPerPeriodAndPerSecondIsEnough() {
        assertThat(RealtimePriority.budgetTooSmall(100_000, 1_000_000)).isNull();
        assertThat(RealtimePriority.budgetTooSmall(200_000, 1_000_000)).isNull();
        assertThat(RealtimePriority.budgetTooSmall(950_000, 1_000_000)).isNull();
    }

    @Test
    void noLimitIsEnough() {
        assertThat(RealtimePriority.budgetTooSmall(-1, 1_000_000)).isNull();
        assertThat(RealtimePriority.budgetTooSmall(100_000, 100_000)).as("the whole period").isNull();
    }

    @Test
    void lessIsTooSmall() {
        assertThat(RealtimePriority.budgetTooSmall(50_000, 1_000_000))
                .isEqualTo("its cgroup's real-time budget (50000 us per 1000000 us) is below 100000 us per period "
                        + "and per second, and a thread past its budget stands still until the period ends (give the "
                        + "container e.g. --cpu-rt-runtime=200000; docs/operations.md, \"Heartbeats on time\")");
        assertThat(RealtimePriority.budgetTooSmall(99_999, 1_000_000)).startsWith("its cgroup's real-time budget (99999 us");
        assertThat(RealtimePriority.budgetTooSmall(150_000, 2_000_000)).as("75 ms per second")
                .startsWith("its cgroup's real-time budget (150000 us per 2000000 us)");
        assertThat(RealtimePriority.budgetTooSmall(0, 1_000_000)).startsWith("its cgroup's real-time budget (0 us");
    }

    @Test
    void onAHostTheGroupIsFoundUnderTheMount() throws IOException {
        Path cgroup = write("proc-cgroup", "12:memory:/system.slice/tandem.service\n"
                + "4:cpu,cpuacct:/system.slice/tandem.service\n");
        Path mount = dir.resolve("cpu");
        budget(mount, 950_000);
        budget(mount.resolve("system.slice/tandem.service"), 50_000);
        assertThat(RealtimePriority.budgetTooSmall(cgroup, mount)).startsWith("its cgroup's real-time budget (50000 us");
    }

    @Test
    void inAContainerTheMountsRootIsItsOwnGroup() throws IOException {
        Path cgroup = write("proc-cgroup", "4:cpu,cpuacct:/docker/0123abcd\n");
        Path mount = dir.resolve("cpu");
        budget(mount, 50_000);
        assertThat(RealtimePriority.budgetTooSmall(cgroup, mount)).startsWith("its cgroup's real-time budget (50000 us");
        budget(mount, 200_000);
        assertThat(RealtimePriority.budgetTooSmall(cgroup, mount)).isNull();
    }

    @Test
    void withoutRealTimeGroupSchedulingThereIsNothingToCheck() throws IOException {
        Path mount = dir.resolve("cpu");
        Files.createDirectories(mount);
        assertThat(RealtimePriority.budgetTooSmall(write("v2", "0::/system.slice/tandem.service\n"), mount)).isNull();
        assertThat(RealtimePriority.budgetTooSmall(write("v1", "4:cpu,cpuacct:/\n"), mount)).isNull();
        assertThat(RealtimePriority.budgetTooSmall(dir.resolve("absent"), mount)).isNull();
    }

    @Test
    void theCallingThreadsIdNamesItsTaskInProc() throws Exception {
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            String id = RealtimePriority.currentThreadId();
            try {
                seen.complete(id + " " + Files.readString(Path.of("/proc/self/task", id, "comm")).strip());
            } catch (IOException e) {
                seen.completeExceptionally(e);
            }
        }, "rt-probe");
        t.start();
        String[] idAndName = seen.get(10, java.util.concurrent.TimeUnit.SECONDS).split(" ");
        t.join();
        assertThat(idAndName[0]).matches("[0-9]+").isNotEqualTo(RealtimePriority.currentThreadId());
        assertThat(idAndName[1]).isEqualTo("rt-probe");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void budget(Path group, long runtime) throws IOException {
        Files.createDirectories(group);
        Files.writeString(group.resolve("cpu.rt_runtime_us"), runtime + "\n");
        Files.writeString(group.resolve("cpu.rt_period_us"), "1000000\n");
    }
}
