package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Runtime levels: set, read back, refused with the reason. */
class LogLevelsTest {

    private static final String NAME = "io.tandem.test.levels";
    private final LogLevels levels = LogLevels.ofProcess();

    @AfterEach
    void reset() {
        ((Logger) LoggerFactory.getLogger(NAME)).setLevel(null);
    }

    // A logger set to DEBUG logs at DEBUG, its children too; the answer is the level before.
    @Test
    void setAndRead() {
        String before = levels.effective(NAME);
        assertThat(levels.set(NAME, "debug")).isEqualTo(before);
        assertThat(((Logger) LoggerFactory.getLogger(NAME)).getLevel()).isEqualTo(Level.DEBUG);
        assertThat(levels.effective(NAME + ".child")).isEqualTo("DEBUG");
        assertThat(levels.configured()).containsEntry(NAME, "DEBUG").containsKey(LogLevels.ROOT);
        assertThat(levels.configured().keySet().iterator().next()).isEqualTo(LogLevels.ROOT);
    }

    // A level that does not exist names the six there are; a bad logger name is refused; nothing changes.
    @Test
    void refusals() {
        assertThatThrownBy(() -> levels.set(NAME, "VERBOSE"))
                .hasMessage("'VERBOSE' is not a log level; expected one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        assertThatThrownBy(() -> levels.set("io tandem", "INFO"))
                .hasMessage("'io tandem' is not a logger name; expected e.g. io.tandem, tandem.access or ROOT");
        assertThat(((Logger) LoggerFactory.getLogger(NAME)).getLevel()).isNull();
    }
}
