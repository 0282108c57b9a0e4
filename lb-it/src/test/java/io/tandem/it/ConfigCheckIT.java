package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tandem check} and {@code tandem run} of the built jar on the shipped examples and on broken files. */
class ConfigCheckIT {

    static final Path ROOT = Path.of(System.getProperty("tandem.root", ".."));
    static final Path EXAMPLES = ROOT.resolve("docs/examples");

    @TempDir
    Path dir;

    /** The exit code and merged output of one run of the jar. */
    record Result(int exit, String output) {}

    /**
     * Runs {@code tandem ARGS...} to its end with the TANDEM_* variables of
     * this environment removed and {@code env} added.
     */
    static Result tandem(Path workDir, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(TandemProcess.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC",
                "-jar", TandemProcess.JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "tandem-", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("tandem " + String.join(" ", args) + " did not exit within 60s:\n"
                    + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    // Each shipped example passes the real check as it is: exit 0 and exactly "FILE: ok".
    @ParameterizedTest
    @ValueSource(strings = {"minimal.yaml", "two-web-servers.yaml", "pair.yaml"})
    void examplesAreValid(String name) throws Exception {
        Path file = EXAMPLES.resolve(name).toAbsolutePath().normalize();
        Result r = tandem(dir, Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ": ok\n");
        assertThat(r.exit()).isZero();
    }

    // The pair example serves the second node from the environment, with a real key file of its own.
    @Test
    void pairExampleTakesTheSecondNodeFromTheEnvironment() throws Exception {
        Path key = dir.resolve("pair.key");
        Files.writeString(key, "5a".repeat(32) + "\n");
        Path file = EXAMPLES.resolve("pair.yaml").toAbsolutePath().normalize();
        Result r = tandem(dir, Map.of("TANDEM_NODE", "lb-b", "TANDEM_PRIORITY", "100",
                "TANDEM_HEARTBEAT", "10.0.0.3:5405", "TANDEM_PEER", "10.0.0.2:5405",
                "TANDEM_PAIR_KEY_FILE", key.toString()), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ": ok\n");
        assertThat(r.exit()).isZero();
    }

    private Path brokenFile() throws IOException {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, String.join("\n",
                "listeners:",
                "  - { bind: '*:8080', pool: wbe }",
                "  - { bind: '*:8080', pool: web, bnid: x }",
                "pools:",
                "  web:",
                "    strategy: round-robbin",
                "    backends:",
                "      - { address: 10.0.0.1:70000, weight: -1 }",
                "    health: { interval: 2, rise: 0 }",
                "failover:",
                "  node: lb-a",
                "  bind: '${HEARTBEAT}'",
                "  auth-key-file: missing.key",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
                ""));
        return file;
    }

    private String brokenProblems(Path file) {
        String f = file.toString();
        return String.join("\n",
                f + ":2:29: listeners[0].pool: no pool named 'wbe'; did you mean 'web'?",
                f + ":3:13: listeners[1].bind: *:8080 is already the bind of listeners[0]",
                f + ":3:34: listeners[1].bnid: unknown key; did you mean 'bind'?",
                f + ":6:15: pools.web.strategy: 'round-robbin' is not a strategy; did you mean 'round-robin'? "
                        + "expected one of round-robin, weighted-round-robin, least-connections, power-of-two, "
                        + "consistent-hash, random",
                f + ":8:20: pools.web.backends[0].address: port 70000 is out of range; expected 1-65535",
                f + ":8:44: pools.web.backends[0].weight: -1 is out of range; expected 1-1000",
                f + ":9:25: pools.web.health.interval: '2' has no unit; expected a whole number with a unit such "
                        + "as 250ms, 2s, 1m or 1h",
                f + ":9:34: pools.web.health.rise: 0 is out of range; expected 1-100",
                f + ":10:1: failover: needs a peer (the other node's heartbeat address, e.g. peer: 10.0.0.3:5405) "
                        + "or a multicast group",
                f + ":12:10: failover.bind: environment variable HEARTBEAT is not set; set it or give a default: "
                        + "${HEARTBEAT:-value}",
                f + ":13:18: failover.auth-key-file: cannot read " + dir.resolve("missing.key") + ": no such file; "
                        + "expected a file with 64 hex characters (openssl rand -hex 32)",
                "11 problems",
                "");
    }

    // A broken file: exit 2 and every problem at once, in file order, with positions, then the count.
    @Test
    void brokenFileListsEveryProblem() throws Exception {
        Path file = brokenFile();
        Result r = tandem(dir, Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(brokenProblems(file));
        assertThat(r.exit()).isEqualTo(2);
    }

    // tandem run refuses the same file with exactly the messages of tandem check, and exits 2.
    @Test
    void runRefusesWithTheSameMessages() throws Exception {
        Path file = brokenFile();
        Result r = tandem(dir, Map.of(), "run", "-c", file.toString());
        assertThat(r.output()).isEqualTo(brokenProblems(file));
        assertThat(r.exit()).isEqualTo(2);
    }

    // A path that cannot be read as a file gets exit 2 and one line naming it.
    @Test
    void unreadableFile() throws Exception {
        Result r = tandem(dir, Map.of(), "check", "-c", dir.toString());
        assertThat(r.output()).isEqualTo(dir + ": cannot read: is a directory; expected a YAML file\n1 problem\n");
        assertThat(r.exit()).isEqualTo(2);
    }

    // A syntax error stops at the one problem the parser can name.
    @Test
    void tabIndentedFile() throws Exception {
        Path file = dir.resolve("tabs.yaml");
        Files.writeString(file, "listeners:\n\t- { bind: '*:8080', pool: web }\n");
        Result r = tandem(dir, Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ":2:1: YAML syntax error: found a tab; YAML indents with spaces, "
                + "never tabs\n1 problem\n");
        assertThat(r.exit()).isEqualTo(2);
    }
}
