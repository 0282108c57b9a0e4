package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem check --dump}: the effective config as YAML, complete, and loadable again to the same config. */
class ConfigDumpTest {

    @TempDir
    Path dir;

    // A mode: tcp listener and its pool dump only the keys tandem check takes on them, so the dump loads back.
    @Test
    void tcpListenerDumpsOnlyItsKeys() throws Exception {
        TandemConfig config = TestConfigs.parse(
                "listeners: [ { bind: 127.0.0.1:3306, pool: db, mode: tcp, sni-routes: [ { sni: a.example.com, "
                        + "pool: db } ] } ]",
                "pools: { db: { health: { type: redis, role: replica }, on-down: { close-connections-after: 2s },",
                "               backends: [ { address: 10.0.0.11:6379 } ] } }");
        String dump = ConfigDump.yaml(config);
        assertThat(dump).contains("  mode: tcp\n  sni-routes:\n  - sni: a.example.com\n    pool: db\n")
                .contains("      role: replica\n").contains("    on-down:\n      close-connections-after: 2s\n")
                .doesNotContain("header:").doesNotContain("limits:").doesNotContain("routes: []")
                .doesNotContain("response:").doesNotContain("consecutive-5xx");
        TandemConfig again = TestConfigs.parse(dump);
        assertThat(again.listeners()).isEqualTo(config.listeners());
        assertThat(again.pools()).isEqualTo(config.pools());
    }

    // A minimal file dumps with every default written out, in reference order.
    @Test
    void minimalConfigDumpsEveryDefault() throws Exception {
        TandemConfig config = TestConfigs.parse(
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { backends: [ { address: 10.0.0.11:80 } ] } }");
        assertThat(ConfigDump.yaml(config)).isEqualTo(String.join("\n",
                "# effective config of t.yaml: every default filled in",
                "listeners:",
                "- name: listener-0",
                "  bind: 127.0.0.1:8080",
                "  pool: web",
                "  timeouts:",
                "    header: 10s",
                "    idle: 1m",
                "  limits:",
                "    header-size: 32KiB",
                "    uri-length: 8KiB",
                "    connections: 0",
                "    tracked-clients: 65536",
                "  routes: []",
                "  access-log:",
                "    enabled: false",
                "    format: text",
                "  proxy-protocol:",
                "    accept: false",
                "  mode: http",
                "  protocols:",
                "  - http/1.1",
                "  http2:",
                "    max-concurrent-streams: 128",
                "    max-header-list-size: 32KiB",
                "    max-frame-size: 16KiB",
                "    initial-window-size: 64KiB",
                "    connection-window-size: 1MiB",
                "    max-resets: 200",
                "    reset-window: 30s",
                "    max-control-frames: 100",
                "    stall-timeout: 30s",
                "admin:",
                "  bind: 127.0.0.1:9901",
                "pools:",
                "  web:",
                "    strategy: round-robin",
                "    backends:",
                "    - address: 10.0.0.11:80",
                "      weight: 1",
                "      backup: false",
                "    timeouts:",
                "      connect: 1s",
                "      response: 30s",
                "      idle: 1m",
                "    retries: 2",
                "    slow-start: 0s",
                "    outlier:",
                "      consecutive-failures: 5",
                "      consecutive-5xx: 0",
                "      ejection-time: 30s",
                "      max-ejection-time: 5m",
                "      max-ejected-percent: 50",
                "    protocol: http/1.1",
                "shutdown-timeout: 30s",
                ""));
    }

    // A file that sets every key dumps every key (failover.multicast excepted: it has a peer instead).
    @Test
    void everyKeyOfTheFormatIsDumped() throws Exception {
        TandemConfig config = ConfigLoader.parse(EveryKey.yaml(dir), "t.yaml", Map.<String, String>of()::get, dir,
                new HashSet<>());
        Set<String> dumped = new LinkedHashSet<>();
        paths(ConfigDump.tree(config), "", dumped);
        // The announce section comes from a node of the other failover mode; its api is gobgp's, not frr's.
        TandemConfig announcing = ConfigLoader.parse(EveryKey.announceYaml(), "a.yaml",
                Map.<String, String>of()::get, dir, new HashSet<>());
        paths(ConfigDump.tree(announcing), "", dumped);
        // BIRD's include and socket come from a BIRD announcer.
        TandemConfig bird = ConfigLoader.parse(EveryKey.announceYaml().replace(
                "{ type: frr, command: vtysh, asn: 65001, pathspace: lb1 }",
                "{ type: bird, include: /etc/bird/tandem-vips.conf, socket: /run/bird/bird.ctl }"), "b.yaml",
                Map.<String, String>of()::get, dir, new HashSet<>());
        paths(ConfigDump.tree(bird), "", dumped);
        Set<String> expected = new LinkedHashSet<>(KeyPaths.all().keySet());
        expected.remove("failover.multicast");
        expected.remove("announce.daemon.api");
        assertThat(dumped).containsExactlyInAnyOrderElementsOf(expected);
    }

    // The dump loads again to the same config: dumping that gives the same text (the header aside).
    @Test
    void dumpLoadsAgainToTheSameConfig() throws Exception {
        TandemConfig config = ConfigLoader.parse(EveryKey.yaml(dir), "t.yaml", Map.<String, String>of()::get, dir,
                new HashSet<>());
        String dump = ConfigDump.yaml(config);
        TandemConfig again = ConfigLoader.parse(dump, "dump.yaml", Map.<String, String>of()::get, Path.of("/"),
                new HashSet<>());
        assertThat(ConfigDump.tree(again)).isEqualTo(ConfigDump.tree(config));
        assertThat(again.listeners()).isEqualTo(config.listeners());
        assertThat(again.pools()).isEqualTo(config.pools());
        assertThat(again.failover()).isEqualTo(config.failover());
    }

    // A TCP check dumps without the HTTP-only keys, which the loader would refuse on it.
    @Test
    void tcpCheckLeavesOutHttpKeys() throws Exception {
        TandemConfig config = TestConfigs.parse(
                "listeners: [ { bind: 127.0.0.1:8080, pool: db } ]",
                "pools: { db: { backends: [ { address: 10.0.0.21:3306 } ], health: { type: tcp } } }");
        String dump = ConfigDump.yaml(config);
        assertThat(dump).contains(String.join("\n",
                "    health:",
                "      type: tcp",
                "      interval: 2s",
                "      down-interval: 2s",
                "      timeout: 1s",
                "      rise: 2",
                "      fall: 3",
                "      initial-state: probe",
                ""));
        assertThat(ConfigDump.tree(TestConfigs.parse(dump))).isEqualTo(ConfigDump.tree(config));
    }

    // Values YAML would read as something else (a boolean, a number, an alias, a list) are quoted, and load back.
    @Test
    void valuesYamlWouldMisreadAreQuoted() throws Exception {
        TandemConfig config = TestConfigs.parse(
                "listeners: [ { name: 'yes', bind: '*:8080', pool: 'on' }, { bind: '[::1]:8081', pool: 'on' } ]",
                "pools: { 'on': { backends: [ { address: '[::1]:80' } ], health: { path: /x, expect-body: '123' } } }");
        String dump = ConfigDump.yaml(config);
        assertThat(dump).contains("\n- name: \"yes\"\n  bind: '*:8080'\n  pool: \"on\"\n", "\n  bind: \"[::1]:8081\"\n",
                "\n  \"on\":\n", "\n    - address: \"[::1]:80\"\n", "\n      expect-body: \"123\"\n");
        assertThat(ConfigDump.tree(TestConfigs.parse(dump))).isEqualTo(ConfigDump.tree(config));
    }

    /** The key paths of a dumped tree, spelt as {@link KeyPaths} spells them. */
    @SuppressWarnings("unchecked")
    private static void paths(Object node, String prefix, Set<String> out) {
        if (node instanceof Map) {
            ((Map<String, Object>) node).forEach((key, value) -> {
                boolean named = prefix.equals("pools.") || prefix.equals("caches.");
                String path = named ? prefix + "NAME" : prefix + key;
                if (!named) {
                    out.add(path);
                }
                paths(value, path + ".", out);
            });
        } else if (node instanceof List) {
            String list = prefix.substring(0, prefix.length() - 1) + "[].";
            ((List<Object>) node).forEach(item -> paths(item, list, out));
        }
    }
}
