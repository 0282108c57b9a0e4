package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code tandem} launcher (also /usr/bin/tandem of the Debian package and the Docker
 * image's entrypoint) picks the JVM flags by role: the small serial-collector defaults, G1 with a 20 ms
 * pause goal for a failover pair member, and TANDEM_JAVA_OPTS over both. Run as a real process with a
 * stand-in {@code java} under JAVA_HOME that prints the arguments it was given.
 */
class LauncherIT {

    /** What both roles get after their collector flags. */
    private static final String COMMON = "-XX:MetaspaceSize=48m -XX:+UnlockExperimentalVMOptions "
            + "-XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=512m -XX:+ExitOnOutOfMemoryError "
            + "-XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false "
            + "-Dio.netty.allocator.maxOrder=7 -Dio.netty.leakDetection.level=disabled "
            + "-Dio.netty.tryReflectionSetAccessible=true";
    private static final String SERIAL = "-Xms40m -Xmx512m -Xmn12m -XX:+UseSerialGC " + COMMON;
    private static final String PAIR = "-Xms64m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 " + COMMON;

    @TempDir
    Path dir;

    private String launch(Map<String, String> environment, String... args) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.writeString(dir.resolve("tandem.jar"), "not a jar: the stand-in java never opens it");
        Path launcher = TandemProcess.JAR.toAbsolutePath().normalize().getParent().getParent().getParent()
                .resolve("tandem");
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        pb.environment().put("TANDEM_JAR", jar.toString());
        pb.environment().putAll(environment);
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the launcher returns").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private Path config(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static final String POOLS = "listeners:\n  - { name: web, bind: 127.0.0.1:8080, pool: web }\n"
            + "pools:\n  web:\n    backends:\n      - { address: 127.0.0.1:8081 }\n";

    @Test
    void aPlainNodeGetsTheSerialDefaults() throws Exception {
        Path c = config("plain.yaml", POOLS);
        assertThat(launch(Map.of(), "run", "-c", c.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " run -c " + c);
    }

    @Test
    void aPairMemberGetsG1WithAPauseGoal() throws Exception {
        Path c = config("pair.yaml", POOLS + "failover:\n  node: lb-a\n  priority: 150\n");
        assertThat(launch(Map.of(), "run", "-c", c.toString(), "--watch"))
                .isEqualTo(PAIR + " -jar " + dir.resolve("tandem.jar") + " run -c " + c + " --watch");
        assertThat(launch(Map.of(), "run", "--config=" + c))
                .isEqualTo(PAIR + " -jar " + dir.resolve("tandem.jar") + " run --config=" + c);
    }

    @Test
    void onlyRunLooksAtTheConfigAndACommentedFailoverDoesNotCount() throws Exception {
        Path pair = config("pair.yaml", POOLS + "failover:\n  node: lb-a\n");
        assertThat(launch(Map.of(), "check", "-c", pair.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " check -c " + pair);
        Path commented = config("commented.yaml", POOLS + "#failover:\n#  node: lb-a\n");
        assertThat(launch(Map.of(), "run", "-c", commented.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " run -c " + commented);
    }

    @Test
    void tandemJavaOptsReplaceEitherDefault() throws Exception {
        Path c = config("pair.yaml", POOLS + "failover:\n  node: lb-a\n");
        assertThat(launch(Map.of("TANDEM_JAVA_OPTS", "-Xmx1g -XX:+UseParallelGC"), "run", "-c", c.toString()))
                .isEqualTo("-Xmx1g -XX:+UseParallelGC -jar " + dir.resolve("tandem.jar") + " run -c " + c);
    }
}
