package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outlier detection, the health, failover and admin extras, shutdown-timeout and the access log. */
class NewKeysTest {

    @TempDir
    Path dir;

    private static final String[] MINIMAL = {
        "listeners:",
        "  - { bind: 127.0.0.1:8080, pool: web }",
        "pools:",
        "  web:",
        "    backends: [ { address: 127.0.0.1:9000 } ]",
    };

    private static String[] with(String... more) {
        String[] all = new String[MINIMAL.length + more.length];
        System.arraycopy(MINIMAL, 0, all, 0, MINIMAL.length);
        System.arraycopy(more, 0, all, MINIMAL.length, more.length);
        return all;
    }

    private Path keyFile() throws Exception {
        Path key = dir.resolve("pair.key");
        Files.writeString(key, "0123456789abcdef".repeat(4) + "\n");
        return key;
    }

    // Without the new sections every new setting has its documented default.
    @Test
    void defaults() throws Exception {
        TandemConfig c = parse(with(
                "    health: { path: /healthz }"));
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.listeners().get(0).accessLog()).isEqualTo(new AccessLogConfig(false, AccessLogConfig.Format.TEXT));
        PoolConfig web = c.pool("web");
        assertThat(web.outlier()).isEqualTo(new OutlierConfig(5, 0, Duration.ofSeconds(30), Duration.ofSeconds(300),
                50));
        HealthConfig h = web.health().orElseThrow();
        assertThat(h.type()).isEqualTo(HealthConfig.Type.HTTP);
        assertThat(h.method()).isEqualTo("GET");
        assertThat(h.host()).isNull();
        assertThat(h.expectBody()).isNull();
        assertThat(h.downInterval()).isEqualTo(h.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.initialState()).isEqualTo(HealthConfig.InitialState.PROBE);
    }

    // Every new key is read into its record component.
    @Test
    void everyNewKeyIsBound() throws Exception {
        TandemConfig c = parse(
                "listeners:",
                "  - bind: 127.0.0.1:8080",
                "    pool: web",
                "    access-log: { enabled: true, format: json }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health:",
                "      type: http",
                "      method: HEAD",
                "      host: www.example.com",
                "      interval: 5s",
                "      down-interval: 1s",
                "      initial-state: up",
                "    outlier:",
                "      consecutive-failures: 3",
                "      consecutive-5xx: 10",
                "      ejection-time: 10s",
                "      max-ejection-time: 2m",
                "      max-ejected-percent: 34",
                "failover:",
                "  node: lb-a",
                "  cluster-id: 42",
                "  bind: 10.0.0.2:5405",
                "  multicast: 224.0.0.18:5405",
                "  auth-key-file: " + keyFile(),
                "  preempt-delay: 5s",
                "  track: { no-backend-up: false, listener-failed: true }",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
                "shutdown-timeout: 1m");
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.listeners().get(0).accessLog()).isEqualTo(new AccessLogConfig(true, AccessLogConfig.Format.JSON));
        HealthConfig h = c.pool("web").health().orElseThrow();
        assertThat(h).isEqualTo(new HealthConfig("/", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3,
                StatusRanges.parse("200-399"), HealthConfig.Type.HTTP, "HEAD", "www.example.com", null,
                Duration.ofSeconds(1), HealthConfig.InitialState.UP));
        assertThat(c.pool("web").outlier()).isEqualTo(new OutlierConfig(3, 10, Duration.ofSeconds(10),
                Duration.ofMinutes(2), 34));
        FailoverConfig f = c.failover().orElseThrow();
        assertThat(f.clusterId()).isEqualTo(42);
        assertThat(f.peer()).isNull();
        assertThat(f.multicast()).isEqualTo(new HostPort("224.0.0.18", 5405));
        assertThat(f.preemptDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(f.track()).isEqualTo(new FailoverConfig.TrackConfig(false, true));
        assertThat(f.authKeyFile()).isEqualTo(keyFile().toString());
    }

    // A TCP check refuses the HTTP-only keys, each at its value.
    @Test
    void tcpCheckRefusesHttpKeys() {
        assertThat(problems(with(
                "    health: { type: tcp, path: /healthz, expect-status: 200 }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:32: pools.web.health.path: only applies to type: http (this check is type: tcp)",
                        "t.yaml:6:57: pools.web.health.expect-status: only applies to type: http (this check is "
                                + "type: tcp)"));
    }

    // expect-body is read with a GET check; with method HEAD it could never pass and is refused at its value.
    @Test
    void expectBodyNeedsABody() throws Exception {
        assertThat(parse(with("    health: { expect-body: OK }")).pool("web").health().orElseThrow().expectBody())
                .isEqualTo("OK");
        assertThat(problems(with("    health: { method: HEAD, expect-body: ok }")))
                .isEqualTo("t.yaml:6:42: pools.web.health.expect-body: a HEAD response has no body; use method: GET");
    }

    // Choices are exact words; a wrong case gets the right spelling suggested.
    @Test
    void healthChoices() {
        assertThat(problems(with(
                "    health: { method: get, initial-state: down, type: udp }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:23: pools.web.health.method: 'get' is not a health check method; did you mean "
                                + "'GET'? expected GET or HEAD",
                        "t.yaml:6:43: pools.web.health.initial-state: 'down' is not an initial state; expected probe "
                                + "or up",
                        "t.yaml:6:55: pools.web.health.type: 'udp' is not a health check type; did you mean 'tcp'? "
                                + "expected one of http, tcp, send-expect, redis, mysql, postgres, grpc"));
    }

    // A cap on ejection time shorter than the first ejection makes no sense and is refused at the cap.
    @Test
    void maxEjectionShorterThanEjection() {
        assertThat(problems(with(
                "    outlier: { ejection-time: 1m, max-ejection-time: 30s, max-ejected-percent: 101 }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:54: pools.web.outlier.max-ejection-time: max-ejection-time 30s is shorter than "
                                + "ejection-time 1m; expected at least the ejection time",
                        "t.yaml:6:80: pools.web.outlier.max-ejected-percent: 101 is out of range; expected 0-100"));
    }

    // state-sync needs a peer address: a multicast pair gets the problem at the key.
    @Test
    void stateSyncNeedsPeer() throws Exception {
        assertThat(problems(with(
                "failover:",
                "  node: lb-a",
                "  bind: 10.0.0.2:5405",
                "  multicast: 224.0.0.18:5405",
                "  auth-key-file: " + keyFile(),
                "  state-sync: true",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]")))
                .isEqualTo("t.yaml:11:15: failover.state-sync: needs peer: the state goes to the peer's address "
                        + "over TCP (a multicast pair has none)");
    }

    // Failover without a peer, and with a key file that does not exist, is two problems.
    @Test
    void failoverWithoutPeerAndWithMissingKey() {
        Path missing = dir.resolve("missing.key");
        assertThat(problems(with(
                "failover:",
                "  node: lb-a",
                "  bind: 10.0.0.2:5405",
                "  auth-key-file: " + missing,
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:1: failover: needs a peer (the other node's heartbeat address, e.g. peer: "
                                + "10.0.0.3:5405) or a multicast group",
                        "t.yaml:9:18: failover.auth-key-file: cannot read " + missing + ": no such file; expected a "
                                + "file with 64 hex characters (openssl rand -hex 32)"));
    }

    // A key file of the wrong content, a non-multicast group, a bad VIP and a bad cluster id are each reported.
    @Test
    void failoverValues() throws Exception {
        Path badKey = dir.resolve("bad.key");
        Files.writeString(badKey, "secret\n");
        assertThat(problems(with(
                "failover:",
                "  node: lb a",
                "  cluster-id: 256",
                "  bind: 10.0.0.2:5405",
                "  peer: 10.0.0.3:5405",
                "  multicast: 10.0.0.255:5405",
                "  auth-key-file: " + badKey,
                "  vip:",
                "    - { address: 10.0.0.100, interface: eth0 }",
                "    - { address: 10.0.0.101/33, interface: a-very-long-interface-name }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:7:9: failover.node: 'lb a' is not a valid node name; expected up to 64 letters, "
                                + "digits, '.', '_' and '-'",
                        "t.yaml:8:15: failover.cluster-id: 256 is out of range; expected 1-255",
                        "t.yaml:11:14: failover.multicast: set either peer or multicast, not both",
                        "t.yaml:11:14: failover.multicast: '10.0.0.255' is not a multicast group address; expected "
                                + "e.g. 224.0.0.18:5405 (224.0.0.0/4) or [ff02::12]:5405",
                        "t.yaml:12:18: failover.auth-key-file: " + badKey + " does not hold 64 hex characters; "
                                + "expected the output of openssl rand -hex 32",
                        "t.yaml:14:18: failover.vip[0].address: '10.0.0.100' has no prefix length; expected an "
                                + "address with prefix length such as 10.0.0.100/24 or fd00::100/64",
                        "t.yaml:15:18: failover.vip[1].address: prefix length 33 is out of range; expected 0-32",
                        "t.yaml:15:44: failover.vip[1].interface: 'a-very-long-interface-name' is not a network "
                                + "interface name; expected e.g. eth0 (at most 15 characters)"));
    }

    // A pair with nothing to move, and a notify script that does not exist, are refused.
    @Test
    void failoverNeedsSomethingToMove() throws Exception {
        assertThat(problems(with(
                "failover:",
                "  node: lb-a",
                "  bind: 10.0.0.2:5405",
                "  peer: 10.0.0.3:5405",
                "  auth-key-file: " + keyFile(),
                "  advert-interval: 10ms")))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:1: failover: needs a vip to move or a notify script to call (or both); expected "
                                + "e.g. vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
                        "t.yaml:11:20: failover.advert-interval: 10ms is too short; expected at least 20ms"));
    }

    // Relative file paths resolve against the config file's directory, not the working directory.
    @Test
    void relativeFilesResolveAgainstTheConfigDirectory() throws Exception {
        Files.writeString(dir.resolve("token"), "s3cret\n");
        keyFile();
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, String.join("\n", with(
                "admin: { token-file: token }",
                "failover:",
                "  node: lb-a",
                "  bind: 10.0.0.2:5405",
                "  peer: 10.0.0.3:5405",
                "  auth-key-file: pair.key",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]")) + "\n");
        TandemConfig c = ConfigLoader.load(config, Map.<String, String>of()::get);
        assertThat(c.admin().tokenFile()).isEqualTo(dir.resolve("token").toString());
        assertThat(c.failover().orElseThrow().authKeyFile()).isEqualTo(dir.resolve("pair.key").toString());
    }

    // An admin token file must exist and hold a token.
    @Test
    void tokenFile() throws Exception {
        Path empty = dir.resolve("empty-token");
        Files.writeString(empty, "\n");
        assertThat(problems(with("admin: { token-file: " + empty + " }")))
                .isEqualTo("t.yaml:6:22: admin.token-file: " + empty + " is empty; expected a file holding the admin "
                        + "bearer token (e.g. openssl rand -hex 32)");
        Path missing = dir.resolve("no-token");
        assertThat(problems(with("admin: { token-file: " + missing + " }")))
                .isEqualTo("t.yaml:6:22: admin.token-file: cannot read " + missing + ": no such file; expected a "
                        + "file holding the admin bearer token (e.g. openssl rand -hex 32)");
    }

    // An access log format that does not exist names the five there are.
    @Test
    void accessLogFormat() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web, access-log: { enabled: yes, format: xml } }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:63: listeners[0].access-log.enabled: 'yes' is not a boolean; expected true or false",
                        "t.yaml:2:76: listeners[0].access-log.format: 'xml' is not an access log format; expected "
                                + "one of text, json, common, combined, template"));
    }
}
