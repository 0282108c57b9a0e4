package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The built jar's command line: help of every command, `check --dump` round trips, `version`. */
class CommandLineIT {

    private static final Path EXAMPLES = ConfigCheckIT.EXAMPLES;

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    // Each command's --help prints its usage, its environment and exit codes, and exits 0.
    @ParameterizedTest
    @ValueSource(strings = {"run", "check", "reload", "demo", "version"})
    void everyCommandHasHelp(String command) throws Exception {
        TandemFixture.Result r = lb.runToEnd(Map.of(), command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.output()).startsWith("usage: tandem " + command + " [-h]")
                .contains("\nEnvironment:\n", "\n  TANDEM_JAVA_OPTS ")
                .endsWith("\nExit codes: 0 ok, 2 invalid config or usage, 1 runtime failure.\n");
    }

    // The pair example dumped, checked again and dumped again: ok, and the same effective config.
    @Test
    void dumpIsAcceptedAgainAndDumpsTheSame() throws Exception {
        Path key = lb.file("pair.key", "5a".repeat(32) + "\n");
        Path file = EXAMPLES.resolve("pair.yaml").toAbsolutePath().normalize();
        Map<String, String> env = Map.of("TANDEM_NODE", "lb-b", "TANDEM_PRIORITY", "100",
                "TANDEM_HEARTBEAT", "10.0.0.3:5405", "TANDEM_PEER", "10.0.0.2:5405",
                "TANDEM_PAIR_KEY_FILE", key.toString());
        TandemFixture.Result first = lb.runToEnd(env, "check", "-c", file.toString(), "--dump");
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).startsWith("# effective config of " + file + ": every default filled in\n")
                .contains("\n  node: lb-b\n", "\n  priority: 100\n", "\n  auth-key-file: " + key + "\n");
        Path dump = lb.file("dump.yaml", first.output());
        // Without the variables: the dump has them substituted.
        TandemFixture.Result check = lb.runToEnd(Map.of(), "check", "-c", dump.toString());
        assertThat(check).isEqualTo(new TandemFixture.Result(0, dump + ": ok\n"));
        TandemFixture.Result second = lb.runToEnd(Map.of(), "check", "-c", dump.toString(), "--dump");
        assertThat(second.exit()).isZero();
        assertThat(body(second.output())).isEqualTo(body(first.output()));
    }

    // Every shipped example round-trips the same way.
    @ParameterizedTest
    @ValueSource(strings = {"minimal.yaml", "two-web-servers.yaml"})
    void examplesRoundTrip(String name) throws Exception {
        Path file = EXAMPLES.resolve(name).toAbsolutePath().normalize();
        TandemFixture.Result first = lb.runToEnd(Map.of(), "check", "-c", file.toString(), "--dump");
        assertThat(first.exit()).as(first.output()).isZero();
        Path dump = lb.file("dump-" + name, first.output());
        assertThat(lb.runToEnd(Map.of(), "check", "-c", dump.toString()))
                .isEqualTo(new TandemFixture.Result(0, dump + ": ok\n"));
        assertThat(body(lb.runToEnd(Map.of(), "check", "-c", dump.toString(), "--dump").output()))
                .isEqualTo(body(first.output()));
    }

    // An invalid file is not dumped: every problem, exit 2.
    @Test
    void invalidFileIsNotDumped() throws Exception {
        Path bad = lb.file("bad.yaml", "listeners: []\npools: {}\n");
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", bad.toString(), "--dump");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.output()).doesNotContain("effective config").endsWith(" problems\n");
    }

    // `version` names the version, the commit this jar was built from, the build time, the JDK and the transport.
    @Test
    void versionDescribesTheBuildAndTheMachine() throws Exception {
        TandemFixture.Result r = lb.runToEnd(Map.of(), "version");
        assertThat(r.exit()).isZero();
        String[] lines = r.output().split("\n");
        assertThat(lines).hasSize(5);
        assertThat(lines[0]).matches("tandem \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(lines[1]).matches("commit:    [0-9a-f]{12}(-dirty)?");
        // A commit of this checkout: HEAD itself in a fresh build, an earlier one if commits followed the build.
        String commit = lines[1].substring("commit:    ".length()).replace("-dirty", "");
        assertThat(git("merge-base", "--is-ancestor", commit, "HEAD")).as("%s is HEAD or before it", commit).isZero();
        assertThat(lines[2]).matches("built:     \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(lines[3]).startsWith("jdk:       " + Runtime.version().feature() + ".");
        assertThat(lines[4]).isIn("transport: io_uring", "transport: epoll", "transport: nio");

        TandemProcess forced = TandemProcess.start(lb.dir(), List.of("-Dtandem.transport=nio"), "version");
        assertThat(forced.awaitExit(Duration.ofSeconds(30))).isZero();
        assertThat(forced.output()).endsWith("\ntransport: nio\n");

        // A transport the daemon could not start on: said so, exit 1 as `run` would.
        TandemProcess bogus = TandemProcess.start(lb.dir(), List.of("-Dtandem.transport=bogus"), "version");
        assertThat(bogus.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(bogus.output()).endsWith(
                "\ntransport: unavailable: -Dtandem.transport=bogus: expected io_uring, epoll or nio\n");
    }

    /** The dump without its first line, which names the file it was read from. */
    private static String body(String dump) {
        return dump.substring(dump.indexOf('\n') + 1);
    }

    /** The exit code of {@code git ARGS} in the checkout the jar was built from. */
    private static int git(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", ConfigCheckIT.ROOT.toString()));
        command.addAll(List.of(args));
        Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
        git.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(git.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return git.exitValue();
    }
}
