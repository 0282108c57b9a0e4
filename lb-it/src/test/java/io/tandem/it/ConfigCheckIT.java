package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tandem check} and {@code tandem run} of the built jar on the shipped examples and on broken files. */
class ConfigCheckIT {

    static final Path ROOT = Path.of(System.getProperty("tandem.root", ".."));
    static final Path EXAMPLES = ROOT.resolve("docs/examples");

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    // Each shipped example passes the real check as it is: exit 0 and exactly "FILE: ok".
    @ParameterizedTest
    @ValueSource(strings = {"minimal.yaml", "two-web-servers.yaml", "pair.yaml"})
    void examplesAreValid(String name) throws Exception {
        Path file = EXAMPLES.resolve(name).toAbsolutePath().normalize();
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ": ok\n");
        assertThat(r.exit()).isZero();
    }

    // The pair example serves the second node from the environment, with a real key file of its own.
    @Test
    void pairExampleTakesTheSecondNodeFromTheEnvironment() throws Exception {
        Path key = lb.file("pair.key", "5a".repeat(32) + "\n");
        Path file = EXAMPLES.resolve("pair.yaml").toAbsolutePath().normalize();
        TandemFixture.Result r = lb.runToEnd(Map.of("TANDEM_NODE", "lb-b", "TANDEM_PRIORITY", "100",
                "TANDEM_HEARTBEAT", "10.0.0.3:5405", "TANDEM_PEER", "10.0.0.2:5405",
                "TANDEM_PAIR_KEY_FILE", key.toString()), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ": ok\n");
        assertThat(r.exit()).isZero();
    }

    private Path brokenFile() throws IOException {
        // Deliberately broken: written as it is, not through TandemConfig.
        return lb.file("broken.yaml", String.join("\n",
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
                f + ":13:18: failover.auth-key-file: cannot read " + lb.dir().resolve("missing.key") + ": no such file; "
                        + "expected a file with 64 hex characters (openssl rand -hex 32)",
                "11 problems",
                "");
    }

    // A broken file: exit 2 and every problem at once, in file order, with positions, then the count.
    @Test
    void brokenFileListsEveryProblem() throws Exception {
        Path file = brokenFile();
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(brokenProblems(file));
        assertThat(r.exit()).isEqualTo(2);
    }

    // tandem run refuses the same file with exactly the messages of tandem check, and exits 2.
    @Test
    void runRefusesWithTheSameMessages() throws Exception {
        Path file = brokenFile();
        TandemFixture.Result r = lb.runToEnd(Map.of(), "run", "-c", file.toString());
        assertThat(r.output()).isEqualTo(brokenProblems(file));
        assertThat(r.exit()).isEqualTo(2);
    }

    // A path that cannot be read as a file gets exit 2 and one line naming it.
    @Test
    void unreadableFile() throws Exception {
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", lb.dir().toString());
        assertThat(r.output()).isEqualTo(lb.dir() + ": cannot read: is a directory; expected a YAML file\n1 problem\n");
        assertThat(r.exit()).isEqualTo(2);
    }

    // A syntax error stops at the one problem the parser can name.
    @Test
    void tabIndentedFile() throws Exception {
        Path file = lb.file("tabs.yaml", "listeners:\n\t- { bind: '*:8080', pool: web }\n");
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).isEqualTo(file + ":2:1: YAML syntax error: found a tab; YAML indents with spaces, "
                + "never tabs\n1 problem\n");
        assertThat(r.exit()).isEqualTo(2);
    }

    // An unknown field of an access-log template is refused with its file:line:column and the closest field.
    @Test
    void unknownTemplateField() throws Exception {
        Path file = lb.file("template.yaml", String.join("\n",
                "listeners:",
                "  - bind: 127.0.0.1:8080",
                "    pool: web",
                "    access-log: { enabled: true, template: '$client $stauts' }",
                "pools:",
                "  web: { backends: [ { address: 127.0.0.1:9000 } ] }",
                ""));
        TandemFixture.Result r = lb.runToEnd(Map.of(), "check", "-c", file.toString());
        assertThat(r.output()).startsWith(file + ":4:44: listeners[0].access-log.template: unknown field "
                + "'$stauts'; did you mean '$status'? Fields are client, user, time,").endsWith("\n1 problem\n");
        assertThat(r.exit()).isEqualTo(2);
    }
}
