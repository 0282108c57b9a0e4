package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The Debian package under a real systemd: a container of tandem-systemd:bookworm (.ci/docker-up) boots
 * systemd as PID 1, without a network; apt-get installs the package, whose postinst starts the unit.
 * Proves the Type=notify start, the unit's user and capabilities, `systemctl reload` succeeding and
 * failing with the daemon's answer, the watchdog restarting a frozen daemon, a graceful stop and purge.
 */
class SystemdUnitIT {

    static final String IMAGE = System.getProperty("tandem.systemdImage",
            System.getenv().getOrDefault("TANDEM_SYSTEMD_IMAGE", "tandem-systemd:bookworm"));
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The unit's {@code systemctl show} properties, by name. */
    private static Map<String, String> show(ContainerShell sh, String... properties) {
        return sh.ok("systemctl show tandem -p " + String.join(" -p ", properties)).lines()
                .map(l -> l.split("=", 2))
                .collect(java.util.stream.Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    }

    // apt-get install returns once systemd has READY=1; reload 0 then refused (non-zero, the old config
    // serves on); a restart leaves the class-data archive the next daemon maps; SIGSTOP: the pings stop and
    // systemd restarts the daemon; stop drains and exits 0; purge.
    @Test
    void theUnitStartsReloadsIsWatchedAndStops() throws Exception {
        DockerPair.requireDocker();
        assertThat(DockerClientFactory.instance().client().listImagesCmd().withImageNameFilter(IMAGE).exec())
                .as("the image " + IMAGE + "; run .ci/docker-up").isNotEmpty();
        try (GenericContainer<?> host = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withNetworkMode("none")
                .withCopyFileToContainer(MountableFile.forHostPath(DebianPackageIT.deb()), "/root/tandem.deb")
                .withCreateContainerCmdModifier(cmd -> {
                    // What systemd as PID 1 needs in a container (mounts, cgroups), and NET_ADMIN for the unit.
                    cmd.withEntrypoint("/lib/systemd/systemd");
                    // Set on the host config itself: through Testcontainers' own methods, a bind mount makes it
                    // pull a helper image, and no registry is reachable here.
                    cmd.getHostConfig().withCapAdd(Capability.SYS_ADMIN, Capability.NET_ADMIN)
                            .withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined"))
                            .withTmpFs(Map.of("/run", "rw", "/run/lock", "rw"))
                            .withBinds(new Bind("/sys/fs/cgroup", new Volume("/sys/fs/cgroup"), AccessMode.rw))
                            // The host's cgroup namespace, where the bind mount is writable: also on cgroup v2.
                            .withCgroupnsMode("host");
                })) {
            host.start();
            ContainerShell sh = new ContainerShell(host);
            Poll.until(WAIT, "systemd to boot", () -> sh.run("systemctl is-system-running").getStdout()
                    .matches("(running|degraded)\n"));

            sh.ok("apt-get install -y -q /root/tandem.deb");
            assertThat(show(sh, "Type", "NotifyAccess", "WatchdogUSec", "LimitRTPRIO", "ActiveState", "SubState",
                    "StatusText")).isEqualTo(Map.of(
                    "Type", "notify",
                    "NotifyAccess", "main",
                    "WatchdogUSec", "30s",
                    "LimitRTPRIO", "10",
                    "ActiveState", "active",
                    "SubState", "running",
                    "StatusText", "serving 1 listener(s) from /etc/tandem/tandem.yaml"));
            String pid = sh.ok("systemctl show -p MainPID --value tandem").strip();
            // tandem's uid, and NET_BIND_SERVICE, NET_ADMIN, NET_RAW only (ambient: inherited by ip and arping).
            assertThat(sh.ok("grep -E '^(Uid|CapEff|CapAmb):' /proc/" + pid + "/status")).isEqualTo(
                    sh.ok("id -u tandem").strip().replaceAll("(\\d+)", "Uid:\t$1\t$1\t$1\t$1") + "\n"
                            + "CapEff:\t0000000000003400\nCapAmb:\t0000000000003400\n");
            assertThat(sh.ok("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/")).isEqualTo("502");

            sh.ok("systemctl reload tandem");
            assertThat(show(sh, "StatusText")).isEqualTo(Map.of("StatusText", "config reloaded: no listener or backend changed"));
            sh.ok("sed -i 's/127.0.0.1:8081/127.0.0.1:nope/' /etc/tandem/tandem.yaml");
            var refused = sh.run("systemctl reload tandem");
            assertThat(refused.getExitCode()).isNotZero();
            assertThat(sh.ok("journalctl -u tandem -o cat --no-pager")).contains(
                    "tandem: reload refused: /etc/tandem/tandem.yaml is not valid; the running config stays in force",
                    "Reload failed for tandem.service");
            assertThat(show(sh, "ActiveState", "MainPID")).isEqualTo(Map.of("ActiveState", "active", "MainPID", pid));
            sh.ok("sed -i 's/127.0.0.1:nope/127.0.0.1:8081/' /etc/tandem/tandem.yaml");

            // A frozen JVM sends no pings: systemd aborts it and Restart=on-failure starts a new one.
            sh.ok("mkdir -p /etc/systemd/system/tandem.service.d && printf '[Service]\\nWatchdogSec=5s\\n"
                    + "TimeoutAbortSec=5s\\n' >/etc/systemd/system/tandem.service.d/watchdog.conf"
                    + " && systemctl daemon-reload && systemctl restart tandem");
            String watched = sh.ok("systemctl show -p MainPID --value tandem").strip();
            // The daemon the restart stopped wrote the class-data archive into the unit's cache directory, and
            // the new one maps it.
            assertThat(sh.ok("journalctl -u tandem -o cat --no-pager")).containsPattern(
                    "class-data archive for the next start written to /var/cache/tandem/tandem-[^ ]+\\.jsa");
            assertThat(sh.ok("grep -o -m 1 '/var/cache/tandem/tandem-.*\\.jsa' /proc/" + watched + "/maps"))
                    .startsWith("/var/cache/tandem/tandem-");
            sh.ok("kill -STOP " + watched);
            Poll.until(WAIT, "systemd to restart the frozen daemon", () -> show(sh, "NRestarts", "ActiveState", "SubState")
                    .equals(Map.of("NRestarts", "1", "ActiveState", "active", "SubState", "running")));
            assertThat(sh.ok("systemctl show -p MainPID --value tandem").strip()).isNotEqualTo(watched);
            assertThat(sh.ok("journalctl -u tandem -o cat --no-pager")).contains("Watchdog timeout (limit 5s)!");

            sh.ok("systemctl stop tandem");
            assertThat(show(sh, "ActiveState", "ExecMainStatus")).isEqualTo(Map.of("ActiveState", "inactive",
                    "ExecMainStatus", "0"));
            assertThat(sh.ok("journalctl -u tandem -o cat --no-pager")).contains(
                    "SIGTERM: shutting down gracefully");

            sh.ok("rm -r /etc/systemd/system/tandem.service.d && apt-get purge -y -q tandem");
            assertThat(sh.run("systemctl cat tandem").getExitCode()).isNotZero();
            assertThat(sh.run("test -e /var/cache/tandem").getExitCode()).as("purge removed the cache").isNotZero();
        }
    }
}
