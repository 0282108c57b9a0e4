package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code tandem} launcher (also /usr/bin/tandem of the Debian package and the Docker
 * image's entrypoint) picks the JVM flags by role: the small serial-collector defaults, G1 with a 20 ms
 * pause goal for a failover pair member, and TANDEM_JAVA_OPTS over both; for {@code run}, the class-data
 * archive to map, or to have the daemon write (ClassDataArchiveIT runs that with a real JVM). Run as a real
 * process with a stand-in {@code java} under JAVA_HOME that prints the arguments it was given.
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
        Path jar = jar();
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
    /** The stand-in jar, written once, so a test can set its time. */
    private Path jar() throws Exception {
        Path jar = dir.resolve("tandem.jar");
        if (!Files.exists(jar)) {
            Files.writeString(jar, "not a jar: the stand-in java never opens it");
        }
        return jar;
    }

    /** A JDK with a {@code release} file, as every JDK build has; the archive's name carries its runtime version. */
    private void release() throws Exception {
        Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(dir.resolve("jdk/release"),
                "JAVA_VERSION=\"17.0.99\"\nJAVA_RUNTIME_VERSION=\"17.0.99+7-test\"\n");
    }

    private static final String WRITE = " -XX:+RecordDynamicDumpInfo -Xlog:cds*=off";

    @Test
    void aRunWithoutAnArchiveAsksTheDaemonToWriteOne() throws Exception {
        release();
        Path cds = Files.createDirectories(dir.resolve("cds"));
        Path c = config("plain.yaml", POOLS);
        assertThat(launch(Map.of("TANDEM_CDS_DIR", cds.toString()), "run", "-c", c.toString()))
                .isEqualTo(SERIAL + " -Dtandem.cds.archive=" + cds.resolve("tandem-17.0.99_7-test.jsa") + WRITE
                        + " -jar " + dir.resolve("tandem.jar") + " run -c " + c);
    }

    @Test
    void anArchiveNoOlderThanTheJarIsMapped() throws Exception {
        release();
        Instant built = Instant.now().minusSeconds(3600);
        Files.setLastModifiedTime(jar(), FileTime.from(built));
        Path cds = Files.createDirectories(dir.resolve("cds"));
        Path archive = Files.writeString(cds.resolve("tandem-17.0.99_7-test.jsa"), "archive");
        Path c = config("pair.yaml", POOLS + "failover:\n  node: lb-a\n");
        String mapped = PAIR + " -XX:SharedArchiveFile=" + archive + " -jar " + dir.resolve("tandem.jar")
                + " run -c " + c;
        Files.setLastModifiedTime(archive, FileTime.from(built.plusSeconds(60)));
        assertThat(launch(Map.of("TANDEM_CDS_DIR", cds.toString()), "run", "-c", c.toString())).isEqualTo(mapped);
        Files.setLastModifiedTime(archive, FileTime.from(built));
        assertThat(launch(Map.of("TANDEM_CDS_DIR", cds.toString()), "run", "-c", c.toString()))
                .as("an archive as old as the jar").isEqualTo(mapped);
        assertThat(archive).hasContent("archive");
    }

    @Test
    void aJarNewerThanItsArchiveHasItWrittenAgain() throws Exception {
        release();
        Path cds = Files.createDirectories(dir.resolve("cds"));
        Path archive = Files.writeString(cds.resolve("tandem-17.0.99_7-test.jsa"), "archive of an older jar");
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));
        Files.setLastModifiedTime(jar(), FileTime.from(Instant.now().minusSeconds(60)));
        Path c = config("plain.yaml", POOLS);
        assertThat(launch(Map.of("TANDEM_CDS_DIR", cds.toString()), "run", "-c", c.toString()))
                .isEqualTo(SERIAL + " -Dtandem.cds.archive=" + archive + WRITE + " -jar " + dir.resolve("tandem.jar")
                        + " run -c " + c);
        assertThat(archive).as("the stale archive is removed before the JVM starts").doesNotExist();
    }

    @Test
    void noArchiveWithoutADirectoryForItNorForOtherCommands() throws Exception {
        release();
        Path c = config("plain.yaml", POOLS);
        assertThat(launch(Map.of("TANDEM_CDS_DIR", ""), "run", "-c", c.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " run -c " + c);
        assertThat(launch(Map.of("TANDEM_CDS_DIR", dir.resolve("missing").toString()), "run", "-c", c.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " run -c " + c);
        assertThat(launch(Map.of(), "check", "-c", c.toString()))
                .isEqualTo(SERIAL + " -jar " + dir.resolve("tandem.jar") + " check -c " + c);
    }
}
