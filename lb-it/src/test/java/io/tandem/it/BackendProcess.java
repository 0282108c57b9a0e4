package io.tandem.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StubServerMain} backend run as a separate JVM on a loopback port,
 * so that tests can kill it (SIGKILL), freeze it (SIGSTOP) and restart it on
 * the same port, as happens to real web servers.
 */
final class BackendProcess implements BackendServer, AutoCloseable {

    final String name;
    final int port;
    private final Process process;
    private final Path log;
    private boolean stopped;

    private BackendProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts a backend on {@code port} and waits until it answers. */
    static BackendProcess start(Path dir, String name, int port, String healthMode) throws Exception {
        Path classes = Path.of(StubServerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path log = Files.createTempFile(dir, "backend-" + name + "-", ".log");
        Process p = new ProcessBuilder(List.of(TandemProcess.javaBinary(), "-Xmx48m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                // Without it the JDK server's separate header and body writes wait on delayed ACKs.
                "-Dsun.net.httpserver.nodelay=true",
                "-cp", classes.toString(), StubServerMain.class.getName(), name, Integer.toString(port), healthMode))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        BackendProcess b = new BackendProcess(name, port, p, log);
        Poll.until(Duration.ofSeconds(20), "backend " + name + " on port " + port, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("backend " + name + " exited: " + b.output());
            }
            return b.get("/control/stats") != null;
        });
        return b;
    }

    @Override
    public String address() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, as when the machine's OOM killer or a crash ends it; waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("backend " + name + " survived SIGKILL");
        }
    }

    /** SIGSTOP: the process hangs; its sockets still accept connections but nothing answers. */
    void freeze() throws Exception {
        signal("STOP");
        stopped = true;
    }

    void thaw() throws Exception {
        signal("CONT");
        stopped = false;
    }

    private void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Switches what /health answers: ok, fail or flap. */
    void health(String mode) {
        if (!("" + mode).equals(get("/control/health/" + mode))) {
            throw new AssertionError("backend " + name + " did not switch its health to " + mode);
        }
    }

    /** Sets the status the backend answers to proxied requests. */
    void answer(int status) {
        if (!Integer.toString(status).equals(get("/control/answer/" + status))) {
            throw new AssertionError("backend " + name + " did not switch its answer to " + status);
        }
    }

    /**
     * GET on the backend itself; the body, or null when it does not answer
     * 200. One connection per call, closed after the answer, so the test
     * never holds a connection to a backend (tests count them).
     */
    String get(String path) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + address()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int bodyStart = response.indexOf("\r\n\r\n");
            return response.startsWith("HTTP/1.1 200 ") && bodyStart >= 0 ? response.substring(bodyStart + 4) : null;
        } catch (IOException e) {
            return null;
        }
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            if (stopped) {
                thaw();
            }
            kill();
        }
    }
}
