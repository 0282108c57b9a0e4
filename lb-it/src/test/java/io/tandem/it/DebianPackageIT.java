package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The Debian package the build makes (lb-server/target/tandem_*_all.deb): what it holds, read with
 * dpkg-deb; and a real install, run and purge with apt-get in a Debian container without a network
 * (the base image has the dependencies). That container has no systemd as PID 1: the unit is enabled
 * (its symlink is checked) but not started; the daemon runs by hand as the tandem user instead.
 */
class DebianPackageIT {

    /** The package of this build, lb-server/target/tandem_VERSION_all.deb. */
    static Path deb() throws IOException {
        try (Stream<Path> files = Files.list(TandemProcess.JAR.toAbsolutePath().getParent())) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("tandem_.+_all\\.deb")).toList();
            assertThat(debs).as("one package in lb-server/target").hasSize(1);
            return debs.get(0);
        }
    }

    private static String dpkgDeb(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dpkg-deb"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    // Every file with its mode and owner (all root's: the tandem user's come from postinst), the
    // dependencies, and the conffiles.
    @Test
    void holdsTheInstalledTree() throws Exception {
        Path deb = deb();
        List<String> entries = dpkgDeb("-c", deb.toString()).lines()
                .map(l -> l.split("\\s+"))
                .map(f -> f[0] + " " + f[1] + " " + f[5])
                .toList();
        assertThat(entries).containsExactly(
                "drwxr-xr-x root/root ./",
                "drwxr-xr-x root/root ./etc/",
                "drwxr-xr-x root/root ./etc/default/",
                "-rw-r--r-- root/root ./etc/default/tandem",
                "drwxr-xr-x root/root ./etc/tandem/",
                "-rw-r--r-- root/root ./etc/tandem/tandem.yaml",
                "drwxr-xr-x root/root ./lib/",
                "drwxr-xr-x root/root ./lib/systemd/",
                "drwxr-xr-x root/root ./lib/systemd/system/",
                "-rw-r--r-- root/root ./lib/systemd/system/tandem.service",
                "drwxr-xr-x root/root ./usr/",
                "drwxr-xr-x root/root ./usr/bin/",
                "-rwxr-xr-x root/root ./usr/bin/tandem",
                "drwxr-xr-x root/root ./usr/share/",
                "drwxr-xr-x root/root ./usr/share/doc/",
                "drwxr-xr-x root/root ./usr/share/doc/tandem/",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/README.md",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/configuration.md",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/copyright",
                "drwxr-xr-x root/root ./usr/share/doc/tandem/examples/",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/examples/minimal.yaml",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/examples/pair.yaml",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/examples/two-web-servers.yaml",
                "-rw-r--r-- root/root ./usr/share/doc/tandem/operations.md",
                "drwxr-xr-x root/root ./usr/share/tandem/",
                "-rw-r--r-- root/root ./usr/share/tandem/tandem.jar",
                "-rw-r--r-- root/root ./usr/share/tandem/tandem.schema.json",
                "drwxr-xr-x root/root ./var/",
                "drwxr-xr-x root/root ./var/lib/",
                "drwxr-xr-x root/root ./var/lib/tandem/");
        assertThat(dpkgDeb("-f", deb.toString(), "Package", "Architecture", "Depends", "Recommends")).isEqualTo(
                "Package: tandem\nArchitecture: all\n"
                        + "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, iproute2, adduser\n"
                        + "Recommends: iputils-arping, ipv6toolkit\n");
        assertThat(deb.getFileName().toString()).isEqualTo("tandem_" + dpkgDeb("-f", deb.toString(), "Version").strip()
                + "_all.deb");
        assertThat(dpkgDeb("-I", deb.toString(), "conffiles")).isEqualTo("/etc/tandem/tandem.yaml\n/etc/default/tandem\n");
        // The launcher is the repository's, with the package's jar as its default.
        Path extracted = Files.createTempDirectory("tandem-deb");
        dpkgDeb("-x", deb.toString(), extracted.toString());
        String launcher = Files.readString(extracted.resolve("usr/bin/tandem"));
        String repository = Files.readString(DockerPair.ROOT.resolve("tandem"));
        assertThat(launcher).isEqualTo(repository.replace("$here/lb-server/target/tandem.jar",
                "/usr/share/tandem/tandem.jar"));
    }

    // apt-get installs it (user, owners, enabled unit), the installed launcher checks and runs the default
    // config as the tandem user (admin answers, the placeholder backend refuses: 502, tandem reload applies),
    // and purge removes everything but the user.
    @Test
    void installsRunsAndPurges() throws Exception {
        DockerPair.requireDocker();
        try (GenericContainer<?> debian = new GenericContainer<>(DockerImageName.parse(DockerPair.BASE_IMAGE))
                .withNetworkMode("none")
                .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("/bin/sleep", "infinity"))
                .withCopyFileToContainer(MountableFile.forHostPath(deb()), "/tmp/tandem.deb")) {
            debian.start();
            ContainerShell sh = new ContainerShell(debian);

            sh.ok("apt-get install -y -q --no-install-recommends /tmp/tandem.deb");
            assertThat(sh.ok("getent passwd tandem")).matches("tandem:x:\\d+:\\d+:Tandem load balancer[^:]*:"
                    + "/var/lib/tandem:/usr/sbin/nologin\n");
            assertThat(sh.ok("stat -c '%U:%G %a %n' /etc/tandem /etc/tandem/tandem.yaml /var/lib/tandem "
                    + "/usr/bin/tandem /usr/share/tandem/tandem.jar")).isEqualTo("""
                    root:tandem 750 /etc/tandem
                    root:root 644 /etc/tandem/tandem.yaml
                    tandem:tandem 750 /var/lib/tandem
                    root:root 755 /usr/bin/tandem
                    root:root 644 /usr/share/tandem/tandem.jar
                    """);
            assertThat(sh.ok("readlink /etc/systemd/system/multi-user.target.wants/tandem.service"))
                    .isEqualTo("/lib/systemd/system/tandem.service\n");

            assertThat(sh.ok("runuser -u tandem -- tandem check -c /etc/tandem/tandem.yaml"))
                    .isEqualTo("/etc/tandem/tandem.yaml: ok\n");
            sh.ok("cd /var/lib/tandem && runuser -u tandem -- tandem run -c /etc/tandem/tandem.yaml "
                    + "--pid-file /var/lib/tandem/tandem.pid >/var/lib/tandem/out.log 2>&1 &");
            Poll.until(Duration.ofSeconds(60), "the installed daemon's /healthz", () ->
                    sh.run("curl -sf http://127.0.0.1:9901/healthz").getExitCode() == 0);
            assertThat(sh.ok("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/")).isEqualTo("502");
            assertThat(sh.ok("runuser -u tandem -- tandem reload -c /etc/tandem/tandem.yaml"))
                    .isEqualTo("reloaded: no listener or backend changed\n");
            sh.ok("kill $(cat /var/lib/tandem/tandem.pid)");
            Poll.until(Duration.ofSeconds(30), "the daemon to exit", () ->
                    sh.run("test -e /var/lib/tandem/tandem.pid").getExitCode() != 0);

            sh.ok("apt-get purge -y -q tandem");
            assertThat(sh.ok("for f in /etc/tandem /var/lib/tandem /usr/bin/tandem /usr/share/tandem "
                    + "/lib/systemd/system/tandem.service /etc/systemd/system/multi-user.target.wants/tandem.service "
                    + "/etc/systemd/system/tandem.service; do test -e $f && echo $f; done; true")).isEmpty();
            assertThat(sh.ok("getent passwd tandem | cut -d: -f1")).isEqualTo("tandem\n");
        }
    }
}
