package io.tandem.config;

import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Checks that span keys, each pointing at the exact value that is wrong. */
class CrossCheckTest {

    // A route naming an unknown pool points at that route's pool value, with a suggestion.
    @Test
    void routeToUnknownPoolPointsAtTheRoutesPool() {
        assertThat(problems(
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    routes:",
                "      - { host: api.example.com, pool: web }",
                "      - { path-prefix: /v1/, pool: apii }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "  api:",
                "    backends: [ { address: 127.0.0.1:9001 } ]"))
                .isEqualTo("t.yaml:7:36: listeners[0].routes[1].pool: no pool named 'apii'; did you mean 'api'?");
    }

    // A listener's default pool that does not exist points at the listener's pool value and lists the pools.
    @Test
    void listenerToUnknownPoolListsThePools() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: images }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "  api:",
                "    backends: [ { address: 127.0.0.1:9001 } ]"))
                .isEqualTo("t.yaml:2:35: listeners[0].pool: no pool named 'images'; pools are api, web");
    }

    // A reference to a pool that exists but is itself broken is not reported twice.
    @Test
    void referenceToABrokenPoolIsNotAnUnknownPool() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web: round-robin"))
                .isEqualTo("t.yaml:4:8: pools.web: expected a map of pool keys (strategy, hash-on, backends, ...), "
                        + "found a value");
    }

    // The second of two equal binds is the one reported, at its bind value.
    @Test
    void duplicateBindPointsAtTheSecondBind() {
        assertThat(problems(
                "listeners:",
                "  - { name: a, bind: 127.0.0.1:8080, pool: web }",
                "  - { name: b, bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:22: listeners[1].bind: 127.0.0.1:8080 is already the bind of listeners[0]");
    }

    // A wildcard bind and a concrete bind on the same port cannot both be bound.
    @Test
    void wildcardBindOverlapsAConcreteOne() {
        assertThat(problems(
                "listeners:",
                "  - { name: a, bind: 127.0.0.1:8080, pool: web }",
                "  - { name: b, bind: '*:8080', pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:22: listeners[1].bind: *:8080 overlaps listeners[0].bind 127.0.0.1:8080 "
                        + "(same port, and one of them binds every address)");
    }

    // A listener on the admin server's default port is told how to move the admin server.
    @Test
    void listenerOnTheDefaultAdminPort() {
        assertThat(problems(
                "listeners:",
                "  - { bind: '*:9901', pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:13: listeners[0].bind: *:9901 overlaps the admin bind 127.0.0.1:9901 "
                        + "(the default; set admin.bind to move it)");
    }

    // An admin bind equal to a listener's is reported at admin.bind.
    @Test
    void adminBindEqualToAListener() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "admin: { bind: 127.0.0.1:8080 }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:16: admin.bind: 127.0.0.1:8080 is already the bind of listeners[0] "
                        + "127.0.0.1:8080");
    }

    // Two listeners with one name are reported at the second name.
    @Test
    void duplicateListenerName() {
        assertThat(problems(
                "listeners:",
                "  - { name: web, bind: 127.0.0.1:8080, pool: web }",
                "  - { name: web, bind: 127.0.0.1:8081, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:13: listeners[1].name: 'web' is already the name of listeners[0]");
    }

    // A second backend with the same address points at its address and names the first.
    @Test
    void duplicateBackendAddress() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: 127.0.0.1:9000 }",
                "      - { address: 127.0.0.1:9001 }",
                "      - { address: 127.0.0.1:9000, weight: 2 }"))
                .isEqualTo("t.yaml:8:20: pools.web.backends[2].address: 127.0.0.1:9000 is already backends[0] "
                        + "of this pool");
    }

    // hash-on in a pool that does not hash points at hash-on and names the pool's strategy.
    @Test
    void hashOnWithoutConsistentHash() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    strategy: least-connections",
                "    hash-on: source-ip",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:6:14: pools.web.hash-on: only applies to strategy: consistent-hash "
                        + "(this pool uses least-connections)");
    }

    // A pool of backups only would never serve; the problem points at the backends list.
    @Test
    void allBackupPool() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: 127.0.0.1:9000, backup: true }"))
                .isEqualTo("t.yaml:6:7: pools.web.backends: every backend is a backup; a pool needs at least one "
                        + "primary backend");
    }

    // A missing required key points at the map that lacks it (a pool: at its name).
    @Test
    void missingBackendsPointsAtThePoolName() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    strategy: random"))
                .isEqualTo("t.yaml:4:3: pools.web.backends: is required");
    }

    // A near-miss key gets a suggestion; a far-off one gets the list of keys.
    @Test
    void unknownKeys() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web, bnid: x }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000, colour: red } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:40: listeners[0].bnid: unknown key; did you mean 'bind'?",
                        "t.yaml:5:44: pools.web.backends[0].colour: unknown key; expected one of address, backup, "
                                + "dns, dns-srv, hold, ttl, weight"));
    }

    // Every problem of a file comes at once, in file order, whatever order the loader found them in.
    @Test
    void everyProblemAtOnceInFileOrder() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: wbe }",
                "admin: { bind: 'localhost' }",
                "pools:",
                "  web:",
                "    strategy: round-robbin",
                "    backends:",
                "      - { address: 10.0.0.1:80, weight: 0 }",
                "    health: { interval: 0s, expect-status: 200-700 }",
                "    timeouts: { conect: 1s }",
                "shutdown-timeout: soon"))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:35: listeners[0].pool: no pool named 'wbe'; did you mean 'web'?",
                        "t.yaml:3:16: admin.bind: 'localhost' has no port; expected host:port such as 10.0.0.11:80, "
                                + "[::1]:8080 or *:80",
                        "t.yaml:6:15: pools.web.strategy: 'round-robbin' is not a strategy; did you mean "
                                + "'round-robin'? expected one of round-robin, weighted-round-robin, "
                                + "least-connections, power-of-two, consistent-hash, random",
                        "t.yaml:8:41: pools.web.backends[0].weight: 0 is out of range; expected 1-1000",
                        "t.yaml:9:25: pools.web.health.interval: must be greater than 0",
                        "t.yaml:9:44: pools.web.health.expect-status: '200-700' is not a range of statuses within "
                                + "100-599; expected status codes or ranges such as 200-399 or 200,204",
                        "t.yaml:10:17: pools.web.timeouts.conect: unknown key; did you mean 'connect'?",
                        "t.yaml:11:19: shutdown-timeout: 'soon' is not a duration; expected a whole number with a "
                                + "unit such as 250ms, 2s, 1m or 1h"));
    }

    // A route that repeats an earlier route's host and prefix can never match and is reported.
    @Test
    void shadowedRoute() {
        assertThat(problems(
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    routes:",
                "      - { path-prefix: /v1/, pool: web }",
                "      - { path-prefix: /v1/, pool: web }",
                "      - { pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:7:9: listeners[0].routes[1]: never matches: routes[0] has the same host and "
                                + "path-prefix",
                        "t.yaml:8:9: listeners[0].routes[2]: a route needs match, host or path-prefix"));
    }
}
