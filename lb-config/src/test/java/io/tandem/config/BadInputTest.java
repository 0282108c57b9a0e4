package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.tandem.config.TestConfigs.problems;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bad inputs of the config issue: each gives one exact message at an exact position. */
class BadInputTest {

    @TempDir
    Path dir;

    // An empty file is one problem at 1:1 that says what a file needs.
    @Test
    void emptyFile() {
        assertThat(problems("")).isEqualTo("t.yaml:1:1: the file is empty; expected at least 'listeners' and 'pools'");
    }

    // A file of comments only is as empty as an empty one.
    @Test
    void commentsOnlyFile() {
        assertThat(problems("# nothing here yet", "   ")).isEqualTo(
                "t.yaml:1:1: the file is empty; expected at least 'listeners' and 'pools'");
    }

    // An unclosed flow map is a syntax error at the point the parser gave up, naming where the map began.
    @Test
    void yamlSyntaxError() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:6: YAML syntax error: expected ',' or '}', but got : "
                        + "(while parsing a flow mapping that starts at line 2, column 5)");
    }

    // A tab used for indentation is reported where the tab is, with the fix.
    @Test
    void tabIndentedFile() {
        assertThat(problems(
                "listeners:",
                "\t- { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "\tweb:",
                "\t\tbackends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:1: YAML syntax error: found a tab; YAML indents with spaces, never tabs");
    }

    // A list where a map of pools belongs names what was expected and what was found.
    @Test
    void listWhereAMapIsExpected() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  - name: web",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:4:3: pools: expected a map of pool names to pools, found a list");
    }

    // A list where a nested map belongs points at the list.
    @Test
    void listWhereASectionIsExpected() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "admin: [ 127.0.0.1:9901 ]",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:3:8: admin: expected a map of admin keys (bind, token-file), found a list");
    }

    // A negative weight is out of range, at the weight's value.
    @Test
    void negativeWeight() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends:",
                "      - { address: 127.0.0.1:9000, weight: -1 }"))
                .isEqualTo("t.yaml:6:44: pools.web.backends[0].weight: -1 is out of range; expected 1-1000");
    }

    // A duration without a unit says that the unit is missing and shows the forms.
    @Test
    void durationWithoutUnit() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health:",
                "      interval: 2"))
                .isEqualTo("t.yaml:7:17: pools.web.health.interval: '2' has no unit; expected a whole number "
                        + "with a unit such as 250ms, 2s, 1m or 1h");
    }

    // rise: 0 would never bring a backend up; it is out of range.
    @Test
    void riseZero() {
        assertThat(problems(
                "listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]",
                "    health:",
                "      rise: 0"))
                .isEqualTo("t.yaml:7:13: pools.web.health.rise: 0 is out of range; expected 1-100");
    }

    // Port 70000 does not exist; the message gives the range.
    @Test
    void portOutOfRange() {
        assertThat(problems(
                "listeners:",
                "  - { bind: '*:70000', pool: web }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:2:13: listeners[0].bind: port 70000 is out of range; expected 1-65535");
    }

    // A path that cannot be read as a file (a directory: even root cannot read one as text) names the path.
    @Test
    void unreadableFile() {
        assertThatThrownBy(() -> ConfigLoader.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": cannot read: is a directory; expected a YAML file");
    }

    // A file that does not exist is one problem naming it.
    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file");
    }

    // An empty file read from disk names the file in its position.
    @Test
    void emptyFileOnDisk() throws Exception {
        Path empty = dir.resolve("empty.yaml");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> ConfigLoader.load(empty))
                .isInstanceOf(ConfigException.class)
                .hasMessage(empty + ":1:1: the file is empty; expected at least 'listeners' and 'pools'");
    }
}
