package io.tandem.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command line to its end within a deadline (a database's init tool, its client), for the tests. */
final class Commands {

    private Commands() {}

    /** Whether this JVM runs as root: servers that refuse root are then run as nobody (CI runs as root). */
    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Runs {@code command} (first word found as {@link ServerProcess#binary} does) in {@code dir}, waits at
     * most {@code seconds}, and returns its standard output, trimmed; fails with its output unless it exits 0.
     */
    static String run(Path dir, int seconds, List<String> command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(command);
        argv.set(0, ServerProcess.binary(argv.get(0)));
        Path out = java.nio.file.Files.createTempFile(dir, "cmd-", ".out");
        Path err = java.nio.file.Files.createTempFile(dir, "cmd-", ".err");
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", argv) + " did not end within " + seconds + " s");
        }
        String stdout = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", argv) + " exited with " + p.exitValue() + ": " + stdout
                    + java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        }
        return stdout.trim();
    }

    /** {@code command} run as nobody when this JVM is root (with setpriv), else as it is. */
    static List<String> unprivileged(List<String> command) {
        if (!root()) {
            return command;
        }
        List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--"));
        argv.add(ServerProcess.binary(command.get(0)));
        argv.addAll(command.subList(1, command.size()));
        return argv;
    }
}
