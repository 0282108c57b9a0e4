package io.tandem.server.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArmedCommandsTest {

    @TempDir
    Path dir;

    // An armed command waits, runs when fired (its exit status reported), and the next run of the same
    // command starts a process of its own when none was armed again.
    @Test
    void anArmedCommandRunsWhenFiredAndOnlyThen() throws Exception {
        Path mark = dir.resolve("mark");
        List<String> command = List.of("sh", "-c", "echo fired >> " + mark + "; exit 3");
        try (ArmedCommands commands = new ArmedCommands()) {
            assertThat(commands.arm(command)).isTrue();
            assertThat(commands.arm(command)).as("armed once").isTrue();
            assertThat(mark).doesNotExist();

            CompletableFuture<Integer> first = new CompletableFuture<>();
            commands.run(command, first::complete);
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(Files.readAllLines(mark)).containsExactly("fired");

            CompletableFuture<Integer> second = new CompletableFuture<>();
            commands.run(command, second::complete);
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(Files.readAllLines(mark)).containsExactly("fired", "fired");
        }
    }

    // Closing ends the waiting shells without running their commands.
    @Test
    void closingDoesNotRunWhatWasArmed() throws Exception {
        Path mark = dir.resolve("mark");
        List<String> command = List.of("touch", mark.toString());
        ArmedCommands commands = new ArmedCommands();
        assertThat(commands.arm(command)).isTrue();
        ProcessHandle shell = ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(mark.toString())).orElse(false))
                .findFirst().orElseThrow();
        commands.close();
        shell.onExit().get(10, TimeUnit.SECONDS);
        assertThat(mark).doesNotExist();
    }
}
