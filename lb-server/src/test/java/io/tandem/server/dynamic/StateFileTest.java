package io.tandem.server.dynamic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.config.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {

    @TempDir
    Path dir;

    // The state file of /etc/tandem/tandem.yaml is /etc/tandem/tandem.state.json.
    @Test
    void livesBesideTheConfig() {
        assertThat(StateFile.beside(Path.of("/etc/tandem/tandem.yaml")))
                .isEqualTo(Path.of("/etc/tandem/tandem.state.json"));
        assertThat(StateFile.beside(Path.of("lb"))).isEqualTo(Path.of("lb.state.json"));
    }

    // What is written is read back exactly, pool by pool, in order; no temporary file is left behind.
    @Test
    void roundTrips() throws IOException {
        StateFile file = new StateFile(dir.resolve("tandem.state.json"));
        Map<String, List<ApiBackend>> state = Map.of(
                "web", List.of(new ApiBackend(HostPort.parse("10.0.0.2:80"), 3, false, null),
                        new ApiBackend(HostPort.parse("[::1]:8080"), 1, true, "web-4")));
        file.write(state);
        file.write(state);

        assertThat(file.read()).isEqualTo(state);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("tandem.state.json");
        }
    }

    // No file yet: no runtime backends.
    @Test
    void missingIsEmpty() throws IOException {
        assertThat(new StateFile(dir.resolve("none.state.json")).read()).isEmpty();
    }

    // A damaged file stops the start with where it is wrong, rather than silently dropping backends.
    @Test
    void brokenFileSaysWhy() throws IOException {
        Path p = dir.resolve("tandem.state.json");
        Files.writeString(p, "{\"version\": 1, \"pools\": {\"web\": [{\"address\": \"nope\"}]}}");
        assertThatThrownBy(() -> new StateFile(p).read()).isInstanceOf(IOException.class)
                .hasMessage(p + ": pools.web[0].address 'nope' has no port; expected host:port such as "
                        + "10.0.0.11:80, [::1]:8080 or *:80");
        Files.writeString(p, "{\"version\": 1, ");
        assertThatThrownBy(() -> new StateFile(p).read()).hasMessageStartingWith(p + " is not JSON: ");
    }
}
