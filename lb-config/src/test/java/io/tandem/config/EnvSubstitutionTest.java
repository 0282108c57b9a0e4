package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** ${NAME} and ${NAME:-default} in values. */
class EnvSubstitutionTest {

    private static final Function<String, String> ENV = Map.of("PORT", "8080", "EMPTY", "", "HOST", "10.0.0.5")::get;

    // A set variable replaces its reference, also inside a longer value and several times.
    @Test
    void setVariablesAreSubstituted() {
        assertThat(EnvSubstitution.apply("${HOST}:${PORT}", ENV)).isEqualTo("10.0.0.5:8080");
        assertThat(EnvSubstitution.apply("http://${HOST}/", ENV)).isEqualTo("http://10.0.0.5/");
        assertThat(EnvSubstitution.apply("no reference", ENV)).isEqualTo("no reference");
    }

    // :- takes the default when the variable is unset or empty, as a shell does; an empty default is allowed.
    @Test
    void defaults() {
        assertThat(EnvSubstitution.apply("${MISSING:-127.0.0.1}", ENV)).isEqualTo("127.0.0.1");
        assertThat(EnvSubstitution.apply("${EMPTY:-fallback}", ENV)).isEqualTo("fallback");
        assertThat(EnvSubstitution.apply("${PORT:-9}", ENV)).isEqualTo("8080");
        assertThat(EnvSubstitution.apply("x${MISSING:-}y", ENV)).isEqualTo("xy");
        assertThat(EnvSubstitution.apply("${EMPTY}", ENV)).isEqualTo("");
    }

    // $${ writes a literal ${; a lone $ stays.
    @Test
    void escapes() {
        assertThat(EnvSubstitution.apply("$${HOST}", ENV)).isEqualTo("${HOST}");
        assertThat(EnvSubstitution.apply("cost: $5", ENV)).isEqualTo("cost: $5");
    }

    // Unset without default, an unclosed reference and a bad name each say what is expected.
    @Test
    void badReferences() {
        assertThatThrownBy(() -> EnvSubstitution.apply("${MISSING}", ENV)).hasMessage(
                "environment variable MISSING is not set; set it or give a default: ${MISSING:-value}");
        assertThatThrownBy(() -> EnvSubstitution.apply("${HOST", ENV)).hasMessage(
                "'${HOST' has an unclosed ${; expected ${NAME} or ${NAME:-default}");
        assertThatThrownBy(() -> EnvSubstitution.apply("${1X}", ENV)).hasMessage(
                "'${1X}' does not name an environment variable; expected ${NAME} or ${NAME:-default} "
                        + "(NAME of letters, digits and _)");
    }

    // Values of every type take substitutions: an address, a number, a boolean.
    @Test
    void substitutedValuesAreValidatedLikeWrittenOnes() throws Exception {
        TandemConfig c = parse(Map.of("BIND", "127.0.0.1:8081", "WEIGHT", "3", "BACKUP", "true"),
                "listeners:",
                "  - { bind: '${BIND}', pool: web }",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: '${BACKEND:-127.0.0.1:9000}', weight: '${WEIGHT}' }",
                "      - { address: 127.0.0.1:9001, backup: '${BACKUP}' }");
        assertThat(c.listeners().get(0).bind()).isEqualTo(new HostPort("127.0.0.1", 8081));
        assertThat(c.pool("web").backends()).containsExactly(
                new BackendConfig(new HostPort("127.0.0.1", 9000), 3, false),
                new BackendConfig(new HostPort("127.0.0.1", 9001), 1, true));
    }

    // An unset variable is one problem at its ${ (quoted or not), and binding says nothing more about that key.
    @Test
    void unsetVariableIsAProblemWithPosition() {
        assertThat(problems(Map.of(),
                "listeners:",
                "  - { bind: '${TANDEM_BIND}', pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: '${BACKEND}:80' } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:14: listeners[0].bind: environment variable TANDEM_BIND is not set; set it or "
                                + "give a default: ${TANDEM_BIND:-value}",
                        "t.yaml:5:29: pools.web.backends[0].address: environment variable BACKEND is not set; set "
                                + "it or give a default: ${BACKEND:-value}"));
    }

    // A reference in the middle of a plain value is pointed at exactly.
    @Test
    void positionOfAReferenceInsideAValue() {
        assertThat(problems(Map.of(),
                "listeners:",
                "  - bind: 127.0.0.1:${TANDEM_PORT}",
                "    pool: web",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:21: listeners[0].bind: environment variable TANDEM_PORT is not set; set it or "
                        + "give a default: ${TANDEM_PORT:-value}");
    }

    // A substituted value that is wrong is reported like a written one, at the value.
    @Test
    void badSubstitutedValue() {
        assertThat(problems(Map.of("PORT", "http"),
                "listeners:",
                "  - { bind: '127.0.0.1:${PORT}', pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:13: listeners[0].bind: '127.0.0.1:http' has no valid port; expected host:port "
                        + "such as 10.0.0.11:80, [::1]:8080 or *:80");
    }

    // Keys are never substituted: a ${...} key is an unknown key.
    @Test
    void keysAreNotSubstituted() {
        assertThat(problems(Map.of("K", "bind"),
                "listeners:",
                "  - { '${K}': 127.0.0.1:8080, bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .startsWith("t.yaml:2:7: listeners[0].${K}: unknown key");
    }
}
