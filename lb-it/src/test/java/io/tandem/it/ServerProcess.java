package io.tandem.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server (redis-server, memcached, mariadbd, postgres) run by a test
 * as a child process on a loopback port: started, waited for until its port
 * accepts connections (with a deadline), stopped with SIGTERM (SIGKILL after
 * a grace). Its output goes to a log file in the fixture's directory, shown
 * when it dies early. Skips nothing: a missing binary fails the test with the
 * package to install.
 */
final class ServerProcess implements BackendServer, AutoCloseable {

    final String name;
    final int port;
    private final Path log;
    private Process process;

    private ServerProcess(String name, int port, Path log) {
        this.name = name;
        this.port = port;
        this.log = log;
    }

    /**
     * Runs {@code command} (its first word looked up on the PATH and in the sbin directories) and waits
     * until {@code port} accepts a connection.
     */
    static ServerProcess start(Path dir, String name, int port, Duration startTimeout, List<String> command)
            throws IOException {
        ServerProcess s = new ServerProcess(name, port, Files.createTempFile(dir, name + "-", ".log"));
        s.run(startTimeout, command);
        return s;
    }

    /** Starts it again with {@code command} (on the same port), after {@link #stop()}. */
    void run(Duration startTimeout, List<String> command) throws IOException {
        List<String> argv = new ArrayList<>(command);
        argv.set(0, binary(argv.get(0)));
        process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Poll.until(startTimeout, name + " listening on port " + port, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ": " + output());
            }
            return accepts(port);
        });
    }

    /** The full path of {@code program}: a server binary may live in /usr/sbin, which a test's PATH may lack. */
    static String binary(String program) {
        if (program.contains("/")) {
            return program;
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
        for (String d : dirs) {
            Path p = Path.of(d.isEmpty() ? "." : d, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(program + " is not installed (the CI script .ci/run installs it: "
                + "apt-get install redis-server memcached mariadb-server mariadb-client)");
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String address() {
        return "127.0.0.1:" + port;
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, and SIGKILL when it has not exited within 20 s; then its port refuses connections. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
