package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line parsed in process: exit codes, usage errors, help and version texts. */
class MainTest {

    @TempDir
    Path dir;

    /** One run of the command line: its exit code, stdout and stderr. */
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    // No command: the usage on stderr, exit 2.
    @Test
    void noCommandIsAUsageError() {
        Run r = run();
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("usage: tandem <command> [options]\n");
    }

    // An unknown command is named, then the usage follows; exit 2.
    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("tandem: unknown command 'frobnicate'\nusage: tandem <command> [options]\n");
    }

    // An unknown option and a missing -c are usage errors of their command, with its usage.
    @Test
    void badOptionsAreUsageErrors() {
        Run unknown = run("run", "-c", "x.yaml", "--bogus");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("tandem: Unknown option: '--bogus'\nusage: tandem run [-h] [--watch] "
                + "-c FILE [--pid-file FILE]\n");
        Run missing = run("check");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("tandem: Missing required option: '--config FILE'\n"
                + "usage: tandem check [-h] [--dump] -c FILE\n");
    }

    // `check` prints "FILE: ok" for a valid file, every problem and exit 2 for an invalid one.
    @Test
    void checkExitCodes() throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"),
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]\npools: { web: { backends: [ { address: 10.0.0.1:80 } ] } }\n");
        Run ok = run("check", "-c", good.toString());
        assertThat(ok).isEqualTo(new Run(0, good + ": ok\n", ""));
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "listeners: []\n");
        Run refused = run("check", "--config", bad.toString());
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).endsWith("problems\n");
    }

    // Every command has --help on stdout, exit 0, with its own environment and -D sections.
    @ParameterizedTest
    @ValueSource(strings = {"run", "check", "reload", "demo", "version"})
    void everyCommandHasHelp(String command) {
        Run r = run(command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("usage: tandem " + command + " [-h]")
                .contains("\nEnvironment:\n  ")
                .endsWith("\nExit codes: 0 ok, 2 invalid config or usage, 1 runtime failure.\n");
        assertThat(run("help", command).out()).isEqualTo(r.out());
    }

    // The daemon's help lists every variable and property the daemon reads, one line each.
    @Test
    void runHelpListsTheDaemonsSettings() {
        String help = run("run", "--help").out();
        for (String name : new String[] {"TANDEM_LOG_LEVEL", "TANDEM_LOG_FORMAT", "NOTIFY_SOCKET", "WATCHDOG_USEC",
                "${NAME}", "TANDEM_JAVA_OPTS", "tandem.threads", "tandem.transport", "tandem.nio",
                "tandem.metrics.requests", "logback.configurationFile", "io.netty.iouring.acceptMultiShotEnabled"}) {
            assertThat(help).contains("\n  " + name + " ");
        }
        assertThat(help).contains("\n  ${NAME}            a variable the config names in a value: ${NAME} or "
                + "${NAME:-default}\n");
    }

    // `version` and `--version` print version, commit, build date, JDK and the transport this machine would use.
    @Test
    void versionLines() {
        Run r = run("version");
        assertThat(r.exit()).isZero();
        String expected = "tandem " + Version.get() + "\n"
                + "commit:    " + Version.commit() + "\n"
                + "built:     " + Version.buildDate() + "\n"
                + "jdk:       " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")\n"
                + "transport: " + Transport.best().name() + "\n";
        assertThat(r.out()).isEqualTo(expected);
        assertThat(run("--version").out()).isEqualTo(expected);
    }
}
