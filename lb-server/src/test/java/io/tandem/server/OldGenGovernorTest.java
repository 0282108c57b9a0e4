package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.management.NotificationEmitter;
import org.junit.jupiter.api.Test;

class OldGenGovernorTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void thresholdLeavesTheMinimumFreeShareAboveTheLiveSetWithinFloorAndMax() {
        long max = 500 * MIB;
        assertThat(OldGenGovernor.threshold(0, 28 * MIB, max, 40)).isEqualTo(28 * MIB);
        assertThat(OldGenGovernor.threshold(15 * MIB, 28 * MIB, max, 40)).isEqualTo(28 * MIB);
        assertThat(OldGenGovernor.threshold(18 * MIB, 28 * MIB, max, 40)).isEqualTo(30 * MIB);
        assertThat(OldGenGovernor.threshold(16 * MIB, 0, max, 20)).isEqualTo(20 * MIB);
        assertThat(OldGenGovernor.threshold(16 * MIB, 0, max, 0)).isEqualTo(16 * MIB);
        assertThat(OldGenGovernor.threshold(200 * MIB, 28 * MIB, max, 50)).isEqualTo(400 * MIB);
        assertThat(OldGenGovernor.threshold(300 * MIB, 28 * MIB, max, 40)).isEqualTo(max);
        assertThat(OldGenGovernor.threshold(Long.MAX_VALUE / 2, 0, Long.MAX_VALUE, 60)).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> OldGenGovernor.threshold(-1, 0, max, 40)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OldGenGovernor.threshold(0, 0, max, 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheJvmsMinimumFreeShare() {
        // The surefire JVM runs with the default -XX:MinHeapFreeRatio.
        assertThat(OldGenGovernor.minHeapFreeRatio()).isEqualTo(OldGenGovernor.DEFAULT_MIN_FREE_PERCENT);
    }

    /**
     * A JVM with the launcher's heap flags promotes some 200 MiB of short-lived garbage into the old
     * generation; the old generation stays small. Without the governor JDK 25 grows it past 150 MiB;
     * JDK 17 collects by itself. Runs on the JDK running the tests and on each JDK named in the system
     * property {@code tandem.test.jdks} (the pom names Temurin 25 where it is installed).
     */
    @Test
    void promotedGarbageDoesNotGrowTheOldGeneration() throws Exception {
        List<Path> jdks = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
        for (String jdk : System.getProperty("tandem.test.jdks", "").split(",")) {
            if (!jdk.isBlank() && Files.isExecutable(Path.of(jdk, "bin", "java"))) {
                jdks.add(Path.of(jdk));
            }
        }
        for (Path jdk : jdks) {
            String out = runChurn(jdk);
            assertThat(out).as("output of %s", jdk).contains("governed true");
            long committed = Long.parseLong(out.replaceAll("(?s).*old committed (\\d+).*", "$1"));
            long peak = Long.parseLong(out.replaceAll("(?s).*old peak (\\d+).*", "$1"));
            assertThat(peak).as("old generation's peak on %s:%n%s", jdk, out).isLessThanOrEqualTo(64 * MIB);
            assertThat(committed).as("old generation on %s:%n%s", jdk, out).isLessThanOrEqualTo(64 * MIB);
        }
    }

    private static String runChurn(Path jdk) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(jdk.resolve("bin").resolve("java").toString(),
                "-Xms40m", "-Xmx512m", "-Xmn12m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Churn.class.getName())
                .redirectErrorStream(true);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit of %s:%n%s", jdk, out).isZero();
        return out;
    }

    /**
     * Keeps a sliding 6 MiB window of 1 KiB arrays alive, more than a survivor space holds, for 40
     * bursts of 10 MiB. The governor answers a crossed threshold on the JDK's notification thread, later
     * than the young collection that crossed it; the daemon promotes about 1 MiB a second, this loop
     * hundreds, so after each burst it waits (at most 10 s) until the old generation is back under the
     * threshold before it goes on.
     */
    public static final class Churn {
        public static void main(String[] args) throws InterruptedException {
            boolean governed = OldGenGovernor.install();
            MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> OldGenGovernor.SERIAL_OLD_POOL.equals(pool.getName())).findFirst().orElseThrow();
            // Each collection's end, whoever asked for it: the wait below ends at the one that brings the old
            // generation back under its threshold.
            Semaphore collections = new Semaphore(0);
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((n, h) -> collections.release(), null, null);
            }
            ArrayDeque<byte[]> window = new ArrayDeque<>();
            long sink = 0;
            for (int burst = 0; burst < 40; burst++) {
                for (int i = 0; i < 10_240; i++) {
                    byte[] b = new byte[1024];
                    b[i % 1024] = (byte) i;
                    window.add(b);
                    if (window.size() > 6 * 1024) {
                        sink += window.poll()[0];
                    }
                }
                while (old.getUsage().getUsed() > old.getUsageThreshold()) {
                    if (!collections.tryAcquire(10, TimeUnit.SECONDS)) {
                        System.out.println("old generation still over its threshold after 10 s: "
                                + old.getUsage().getUsed() + " > " + old.getUsageThreshold());
                        System.exit(3);
                    }
                }
            }
            System.out.println("governed " + governed + " sink " + sink);
            System.out.println("old peak " + old.getPeakUsage().getCommitted());
            System.out.println("old committed " + old.getUsage().getCommitted());
        }
    }
}
