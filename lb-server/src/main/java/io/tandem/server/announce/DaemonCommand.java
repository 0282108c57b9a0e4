package io.tandem.server.announce;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command of a routing daemon's client ({@code gobgp}, {@code vtysh}, {@code ip}) and reports its
 * failure with what it printed. Blocking, bounded by {@link #TIMEOUT_SECONDS}; called on the announce thread.
 */
final class DaemonCommand {

    static final long TIMEOUT_SECONDS = 10;

    private DaemonCommand() {}

    /**
     * Runs {@code argv}; returns its output (stdout and stderr). Throws, with that output, when it cannot
     * start, times out or exits non-zero (vtysh exits 1 when bgpd refuses a command, e.g. another AS).
     */
    static String run(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            // Small outputs; reading to the end also waits for the exit of a well-behaved command.
            out = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": no exit within " + TIMEOUT_SECONDS + "s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + ": exit " + p.exitValue()
                    + (out.isEmpty() ? "" : ": " + out.replace('\n', ' ')));
        }
        return out;
    }
}
