package io.tandem.server.failover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-running {@code ip -force -batch -} that takes address commands on its stdin, so that taking a
 * VIP over does not wait for a process to start (on a busy host that alone takes 10-30 ms). It reports
 * nothing per command: callers check the result in the interface's addresses and fall back to a one-shot
 * {@code ip} (whose error they can log). Restarted when it died. Used by the vip thread only.
 */
final class IpShell implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IpShell.class);

    private Process process;
    private Writer stdin;

    /** Sends one command (e.g. {@code addr replace 10.0.0.100/24 dev eth0}); false if ip cannot run. */
    boolean send(String command) {
        try {
            if (process == null || !process.isAlive()) {
                start();
            }
            stdin.write(command);
            stdin.write('\n');
            stdin.flush();
            return true;
        } catch (IOException e) {
            log.debug("ip -batch: {}", e.toString());
            close();
            return false;
        }
    }

    private void start() throws IOException {
        process = new ProcessBuilder("ip", "-force", "-batch", "-").redirectErrorStream(true).start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        Process p = process;
        Thread drain = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    // e.g. removing a VIP that is not there; the caller checks the outcome itself.
                    log.debug("ip -batch: {}", line);
                }
            } catch (IOException e) {
                log.debug("ip -batch output: {}", e.toString());
            }
        }, "tandem-ip-output");
        drain.setDaemon(true);
        drain.start();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            process = null;
        }
    }
}
