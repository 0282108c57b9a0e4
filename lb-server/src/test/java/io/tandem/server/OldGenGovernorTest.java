package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OldGenGovernorTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void thresholdIsTwiceTheLiveSetAndNeverBelowTheFloor() {
        long max = 500 * MIB;
        assertThat(OldGenGovernor.threshold(0, 28 * MIB, max)).isEqualTo(28 * MIB);
        assertThat(OldGenGovernor.threshold(10 * MIB, 28 * MIB, max)).isEqualTo(28 * MIB);
        assertThat(OldGenGovernor.threshold(14 * MIB, 28 * MIB, max)).isEqualTo(28 * MIB);
        assertThat(OldGenGovernor.threshold(16 * MIB, 28 * MIB, max)).isEqualTo(32 * MIB);
        assertThat(OldGenGovernor.threshold(200 * MIB, 28 * MIB, max)).isEqualTo(400 * MIB);
        assertThat(OldGenGovernor.threshold(300 * MIB, 28 * MIB, max)).isEqualTo(max);
        assertThat(OldGenGovernor.threshold(Long.MAX_VALUE / 2 + 1, 0, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> OldGenGovernor.threshold(-1, 0, max)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A JVM with the launcher's heap flags promotes 200 MiB of short-lived garbage into the old
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

    /** Keeps a sliding 6 MiB window of 1 KiB arrays alive: more than a survivor space holds. */
    public static final class Churn {
        public static void main(String[] args) {
            boolean governed = OldGenGovernor.install();
            MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> OldGenGovernor.SERIAL_OLD_POOL.equals(pool.getName())).findFirst().orElseThrow();
            ArrayDeque<byte[]> window = new ArrayDeque<>();
            long sink = 0;
            for (int i = 0; i < 400_000; i++) {
                byte[] b = new byte[1024];
                b[i % 1024] = (byte) i;
                window.add(b);
                if (window.size() > 6 * 1024) {
                    sink += window.poll()[0];
                }
            }
            System.out.println("governed " + governed + " sink " + sink);
            System.out.println("old peak " + old.getPeakUsage().getCommitted());
            System.out.println("old committed " + old.getUsage().getCommitted());
        }
    }
}
