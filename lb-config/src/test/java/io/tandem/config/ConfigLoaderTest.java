package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static final String DESIGN_EXAMPLE = String.join("\n",
            "listeners:",
            "  - name: web",
            "    bind: 0.0.0.0:8080",
            "    pool: web",
            "    timeouts: { header: 10s, idle: 60s }",
            "    limits: { header-size: 32KiB, uri-length: 8KiB }",
            "    routes:",
            "      - { host: api.example.com, path-prefix: /v1/, pool: api }",
            "admin:",
            "  bind: 127.0.0.1:9901",
            "pools:",
            "  web:",
            "    strategy: round-robin",
            "    backends:",
            "      - { address: 10.0.0.11:80, weight: 2 }",
            "      - { address: 10.0.0.12:80 }",
            "      - { address: 10.0.0.13:80, backup: true }",
            "    health:",
            "      path: /healthz",
            "      interval: 2s",
            "      timeout: 1s",
            "      rise: 2",
            "      fall: 3",
            "      expect-status: 200-399",
            "    timeouts: { connect: 1s, response: 30s, idle: 60s }",
            "    retries: 2",
            "  api:",
            "    strategy: consistent-hash",
            "    hash-on: header:X-User",
            "    backends:",
            "      - { address: '[::1]:8081' }",
            "failover:",
            "  node: lb-a",
            "  priority: 150",
            "  bind: 10.0.0.2:5405",
            "  peer: 10.0.0.3:5405",
            "  advert-interval: 100ms",
            "  auth-key-file: KEYFILE",
            "  preempt: true",
            "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
            "  notify: NOTIFY",
            "");

    // The example of DESIGN.md parses into the model with every value where it belongs.
    @Test
    void designExampleParsesIntoTheModel() throws Exception {
        Path key = dir.resolve("pair.key");
        Files.writeString(key, "00".repeat(32));
        Path notify = dir.resolve("notify.sh");
        Files.writeString(notify, "#!/bin/sh\n");
        notify.toFile().setExecutable(true);
        TandemConfig c = ConfigLoader.parse(DESIGN_EXAMPLE.replace("KEYFILE", key.toString())
                .replace("NOTIFY", notify.toString()), "t.yaml");

        ListenerConfig l = c.listeners().get(0);
        assertThat(l.name()).isEqualTo("web");
        assertThat(l.bind()).isEqualTo(new HostPort("0.0.0.0", 8080));
        assertThat(l.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(l.maxHeaderSize()).isEqualTo(32 * 1024);
        assertThat(l.maxUriLength()).isEqualTo(8 * 1024);
        assertThat(l.routes()).containsExactly(new RouteConfig("api.example.com", "/v1/", "api"));
        assertThat(c.admin().bind()).isEqualTo(new HostPort("127.0.0.1", 9901));

        PoolConfig web = c.pool("web");
        assertThat(web.strategy()).isEqualTo(StrategyName.ROUND_ROBIN);
        assertThat(web.backends()).containsExactly(
                new BackendConfig(new HostPort("10.0.0.11", 80), 2, false),
                new BackendConfig(new HostPort("10.0.0.12", 80), 1, false),
                new BackendConfig(new HostPort("10.0.0.13", 80), 1, true));
        HealthConfig h = web.health().orElseThrow();
        assertThat(h.path()).isEqualTo("/healthz");
        assertThat(h.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.rise()).isEqualTo(2);
        assertThat(h.fall()).isEqualTo(3);
        assertThat(h.expectStatus().contains(399)).isTrue();
        assertThat(h.expectStatus().contains(400)).isFalse();
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(web.responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(web.retries()).isEqualTo(2);

        PoolConfig api = c.pool("api");
        assertThat(api.hashOn()).contains(new HashOn(HashOn.Source.HEADER, "X-User"));
        assertThat(api.backends().get(0).address()).isEqualTo(new HostPort("::1", 8081));

        FailoverConfig f = c.failover().orElseThrow();
        assertThat(f.node()).isEqualTo("lb-a");
        assertThat(f.priority()).isEqualTo(150);
        assertThat(f.advertInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(f.vips()).containsExactly(new FailoverConfig.VipConfig("10.0.0.100/24", "eth0"));
    }

    // An unknown key is an error that names its position and suggests the near miss.
    @Test
    void unknownKeyFails() {
        String yaml = "listeners:\n  - { name: web, bind: 127.0.0.1:8080, pool: web }\n"
                + "pools:\n  web:\n    stratgy: round-robin\n    backends: [ { address: 127.0.0.1:9000 } ]\n";
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("t.yaml:5:5: pools.web.stratgy: unknown key; did you mean 'strategy'?");
    }

    // Omitted keys take the defaults of Defaults.
    @Test
    void minimalFileGetsDefaults() throws Exception {
        String yaml = "listeners:\n  - { bind: '*:8080', pool: web }\n"
                + "pools:\n  web:\n    backends: [ { address: 127.0.0.1:9000 } ]\n";
        TandemConfig c = ConfigLoader.parse(yaml, "t.yaml");
        assertThat(c.listeners().get(0).bind().isWildcard()).isTrue();
        assertThat(c.admin().bind()).isEqualTo(HostPort.parse(Defaults.ADMIN_BIND));
        PoolConfig web = c.pool("web");
        assertThat(web.strategy()).isEqualTo(Defaults.STRATEGY);
        assertThat(web.retries()).isEqualTo(Defaults.RETRIES);
        assertThat(web.health()).isEmpty();
        assertThat(c.failover()).isEmpty();
    }

    // A missing file is one problem naming the file.
    @Test
    void missingFileIsOneProblem() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file");
    }

    static void write(Path p, String s) throws IOException {
        Files.writeString(p, s);
    }
}
