package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** YAML features operators use in real files: anchors, aliases, merge keys; and the usual slips. */
class YamlFeaturesTest {

    // An anchored health section reused by alias, and a pool merged from another with one key overridden.
    @Test
    void anchorsAliasesAndMergeKeys() throws Exception {
        TandemConfig c = parse(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web: &web",
                "    strategy: least-connections",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health: &checks { path: /healthz, interval: 5s }",
                "  api:",
                "    <<: *web",
                "    strategy: random",
                "    health: *checks");
        PoolConfig api = c.pool("api");
        assertThat(api.strategy()).isEqualTo(StrategyName.RANDOM);
        assertThat(api.backends()).isEqualTo(c.pool("web").backends());
        assertThat(api.health().orElseThrow().path()).isEqualTo("/healthz");
        assertThat(api.health().orElseThrow().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.pool("web").strategy()).isEqualTo(StrategyName.LEAST_CONNECTIONS);
    }

    // An alias without an anchor points at the alias.
    @Test
    void unknownAlias() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health: *checks"))
                .isEqualTo("t.yaml:6:13: pools.web.health: *checks refers to no anchor; expected &checks on a value "
                        + "earlier in the file");
    }

    // An unquoted wildcard address is a YAML alias to the parser; the message says to quote it.
    @Test
    void unquotedWildcard() {
        assertThat(problems(
                "listeners:",
                "  - bind: *:8080",
                "    pool: web"))
                .isEqualTo("t.yaml:2:12: YAML syntax error: an unquoted * starts a YAML alias; quote a wildcard "
                        + "address: '*:8080'");
    }

    // A second document in one file is refused rather than silently ignored.
    @Test
    void secondDocument() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "---",
                "pools: {}"))
                .isEqualTo("t.yaml:7:1: a second YAML document; a config file holds one (remove the ---)");
    }

    // A key given twice is refused at the second, naming the line of the first.
    @Test
    void duplicateKey() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    retries: 1",
                "    retries: 3"))
                .isEqualTo("t.yaml:7:5: pools.web.retries: duplicate key (first at line 6)");
    }

    // A document that is a list instead of a map says what the top level holds.
    @Test
    void topLevelList() {
        assertThat(problems("- listeners", "- pools"))
                .isEqualTo("t.yaml:1:1: expected a map of top-level keys (listeners, admin, pools, ...), found a list");
    }

    // A required value written as nothing needs a value; a section written as nothing has all its defaults.
    @Test
    void emptyValuesAndSections() throws Exception {
        assertThat(problems(
                "listeners:",
                "  - bind:",
                "    pool: web",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:10: listeners[0].bind: needs a value");
        TandemConfig c = parse(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health:",
                "    retries:");
        assertThat(c.pool("web").health().orElseThrow().interval()).isEqualTo(Defaults.HEALTH_INTERVAL);
        assertThat(c.pool("web").retries()).isEqualTo(Defaults.RETRIES);
    }
}
