package io.tandem.server.dynamic;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.BackendConfig;
import io.tandem.config.BackendOrigin;
import io.tandem.config.ConfigLoader;
import io.tandem.config.HostPort;
import io.tandem.config.TandemConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EffectiveConfigTest {

    private static final TandemConfig FILE = parse("""
            listeners:
              - { name: web, bind: 127.0.0.1:8080, pool: web }
            pools:
              web:
                backends:
                  - { address: 10.0.0.1:80 }
              api:
                backends:
                  - { address: 10.0.0.9:80 }
            """);

    private static TandemConfig parse(String yaml) {
        try {
            return ConfigLoader.parse(yaml, "tandem.yaml");
        } catch (io.tandem.config.ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static BackendConfig api(String address) {
        return new BackendConfig(HostPort.parse(address), 1, false, BackendOrigin.API, null);
    }

    private static BackendConfig dns(String address) {
        return new BackendConfig(HostPort.parse(address), 1, false, BackendOrigin.DNS, null);
    }

    // Runtime backends follow the file's in the order given; a pool without any is the file's own record.
    @Test
    void appendsRuntimeBackendsAfterTheFiles() {
        TandemConfig c = EffectiveConfig.of(FILE, Map.of("web", List.of(api("10.0.0.2:80"), dns("10.0.0.3:80"))));

        assertThat(c.pool("web").backends()).extracting(b -> b.address() + " " + b.origin().label())
                .containsExactly("10.0.0.1:80 file", "10.0.0.2:80 api", "10.0.0.3:80 dns");
        assertThat(c.pool("api")).isSameAs(FILE.pool("api"));
        assertThat(c.listeners()).isEqualTo(FILE.listeners());
        assertThat(c.source()).isEqualTo("tandem.yaml");
    }

    // The file is the source of truth for what it names: an address it names stays the file's;
    // an address both the API and DNS give is the API's; an unknown pool's backends are left out.
    @Test
    void theFileWinsThenTheApi() {
        TandemConfig c = EffectiveConfig.of(FILE, Map.of(
                "web", List.of(api("10.0.0.1:80"), api("10.0.0.2:80"), dns("10.0.0.2:80")),
                "gone", List.of(api("10.0.0.5:80"))));

        assertThat(c.pool("web").backends()).extracting(b -> b.address() + " " + b.origin().label())
                .containsExactly("10.0.0.1:80 file", "10.0.0.2:80 api");
        assertThat(c.pools()).containsOnlyKeys("web", "api");
    }

    // Nothing to add: the file's config itself, so the node sees no change.
    @Test
    void nothingAddedIsTheFileConfig() {
        assertThat(EffectiveConfig.of(FILE, Map.of("web", List.of(api("10.0.0.1:80"))))).isSameAs(FILE);
        assertThat(EffectiveConfig.of(FILE, Map.of())).isSameAs(FILE);
    }
}
