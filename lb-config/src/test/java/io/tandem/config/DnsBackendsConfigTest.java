package io.tandem.config;

import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsBackendsConfigTest {

    // dns and dns-srv entries become the pool's discovery, beside its address entries; resolvers are parsed.
    @Test
    void entriesAndResolvers() throws Exception {
        TandemConfig c = ConfigLoader.parse(String.join("\n",
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "resolvers: [127.0.0.1:5353, 10.0.0.53, '::1']",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: 10.0.0.1:80 }",
                "      - { dns: app.internal.:8080, ttl: { min: 2s, max: 1m }, hold: 10s, weight: 3 }",
                "      - { dns-srv: _http._tcp.app.internal }",
                ""), "t.yaml");

        PoolConfig web = c.pool("web");
        assertThat(web.backends()).containsExactly(new BackendConfig(HostPort.parse("10.0.0.1:80"), 1, false));
        assertThat(web.discovery()).containsExactly(
                new DnsBackendConfig("app.internal", 8080, false, Duration.ofSeconds(2), Duration.ofMinutes(1),
                        Duration.ofSeconds(10), 3, false),
                new DnsBackendConfig("_http._tcp.app.internal", 0, true, Duration.ofSeconds(1),
                        Duration.ofMinutes(5), Duration.ofSeconds(30), 1, false));
        assertThat(c.resolvers()).containsExactly(HostPort.parse("127.0.0.1:5353"), HostPort.parse("10.0.0.53:53"),
                HostPort.parse("[::1]:53"));
    }

    // A pool of DNS entries only is valid: its backends come from the answers.
    @Test
    void dnsOnlyPool() throws Exception {
        TandemConfig c = ConfigLoader.parse(String.join("\n",
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools:",
                "  web:",
                "    backends: [ { dns-srv: _http._tcp.app.internal } ]",
                ""), "t.yaml");
        assertThat(c.pool("web").backends()).isEmpty();
        assertThat(c.pool("web").discovery()).hasSize(1);
        assertThat(c.resolvers()).isEmpty();
    }

    // Every mistake in DNS entries is reported at its position.
    @Test
    void mistakesAreReportedWithPositions() {
        assertThat(problems(
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "resolvers: [dns.example.com, 127.0.0.1:99999]",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: 10.0.0.1:80, dns: app.internal:80 }",
                "      - { weight: 2 }",
                "      - { address: 10.0.0.2:80, hold: 5s }",
                "      - { dns: 10.0.0.3:80 }",
                "      - { dns-srv: _http._tcp.app.internal, weight: 2 }",
                "      - { dns: app.internal:80, ttl: { min: 1m, max: 1s } }",
                "      - { dns: app.internal:80 }"))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:13: resolvers[0]: 'dns.example.com' is not an IP address; a resolver is named by "
                                + "address, e.g. 127.0.0.1:53",
                        "t.yaml:2:30: resolvers[1]: port 99999 is out of range; expected 1-65535",
                        "t.yaml:6:9: pools.web.backends[0]: a backend takes one of address, dns and dns-srv, "
                                + "not several",
                        "t.yaml:7:9: pools.web.backends[1]: a backend needs one of address (one server), dns "
                                + "(host:port, its A/AAAA records) or dns-srv (an SRV name)",
                        "t.yaml:8:39: pools.web.backends[2].hold: applies to dns and dns-srv backends only",
                        "t.yaml:9:16: pools.web.backends[3].dns: '10.0.0.3' is not a host name; write an address "
                                + "as address: 10.0.0.3:80",
                        "t.yaml:10:53: pools.web.backends[4].weight: SRV records carry their own weights and "
                                + "priorities (the lowest priority are primaries, the others backups)",
                        "t.yaml:11:45: pools.web.backends[5].ttl.min: 1m is more than max (1s)",
                        "t.yaml:12:16: pools.web.backends[6].dns: app.internal:80 is already an entry of this "
                                + "pool's backends"));
    }
}
