package io.tandem.server.failover;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands started ahead of need, so that running one at a takeover does not wait for a process to start:
 * each is a {@code sh} that waits for a line on its stdin and then {@code exec}s the command. Starting a
 * process from the JVM took 13-30 ms on a busy host in the failover tests (the gratuitous ARP went out
 * that long after the VIP was added); waking a waiting shell that execs a small binary takes about one.
 *
 * <p>{@link #run} fires the armed process of exactly that command, or starts one at once when none is
 * armed; {@link #arm} starts the process for a command that may be needed next (after a firing, off the
 * takeover's path). The fired process's exit status goes to the caller's handler. Used by the vip thread
 * only; the shells die with their stdin when the daemon exits or {@link #close} is called.
 */
final class ArmedCommands implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ArmedCommands.class);

    private final Map<List<String>, Process> armed = new HashMap<>();

    /** Makes sure {@code command} has a waiting process; false if none could be started. */
    boolean arm(List<String> command) {
        Process p = armed.get(command);
        if (p != null && p.isAlive()) {
            return true;
        }
        try {
            armed.put(command, start(command, true));
            return true;
        } catch (IOException e) {
            armed.remove(command);
            log.debug("cannot arm {}: {}", String.join(" ", command), e.toString());
            return false;
        }
    }

    /**
     * Runs {@code command} now: the armed process if there is one, else a process started here. {@code exit}
     * gets the command's exit status when it ends.
     */
    void run(List<String> command, Consumer<Integer> exit) throws IOException {
        Process p = armed.remove(command);
        if (p != null && p.isAlive()) {
            try {
                OutputStream go = p.getOutputStream();
                go.write('\n');
                go.close();
                p.onExit().thenAccept(done -> exit.accept(done.exitValue()));
                return;
            } catch (IOException e) {
                log.debug("armed {} did not start: {}", String.join(" ", command), e.toString());
                p.destroy();
            }
        }
        Process now = start(command, false);
        now.onExit().thenAccept(done -> exit.accept(done.exitValue()));
    }

    private static Process start(List<String> command, boolean waiting) throws IOException {
        ProcessBuilder b;
        if (waiting) {
            // "read" fails at the end of stdin (the JVM gone, or close()), and the command then never runs.
            List<String> shell = new java.util.ArrayList<>(List.of("sh", "-c", "read -r go && exec \"$@\"", "sh"));
            shell.addAll(command);
            b = new ProcessBuilder(shell);
        } else {
            b = new ProcessBuilder(command);
        }
        return b.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Override
    public void close() {
        for (Process p : armed.values()) {
            p.destroy();
        }
        armed.clear();
    }
}
