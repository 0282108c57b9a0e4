package io.tandem.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code tandem.jar} run as a separate process, as operators run it.
 * Output (stdout and stderr merged) is kept in a file for assertions and
 * failure messages.
 */
final class TandemProcess implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("tandem.jar", "../lb-server/target/tandem.jar"));

    private final Process process;
    private final Path output;
    private boolean closed;

    private TandemProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code tandem ARGS...} with a small heap. */
    static TandemProcess start(Path workDir, String... args) throws IOException {
        return start(workDir, List.of(), args);
    }

    /** Starts {@code tandem ARGS...} with extra JVM options (system properties) before {@code -jar}. */
    static TandemProcess start(Path workDir, List<String> jvmOptions, String... args) throws IOException {
        return start(workDir, List.of(), jvmOptions, args);
    }

    /**
     * Starts {@code LAUNCHER... java ... -jar tandem.jar ARGS...}, e.g. with the launcher
     * {@code ip netns exec NS} (which execs java, so the process is the JVM itself).
     */
    static TandemProcess start(Path workDir, List<String> launcher, List<String> jvmOptions, String... args)
            throws IOException {
        return start(workDir, Map.of(), launcher, jvmOptions, args);
    }

    /** Like {@link #start(Path, List, List, String...)} with {@code environment} added to the process's. */
    static TandemProcess start(Path workDir, Map<String, String> environment, List<String> launcher,
                               List<String> jvmOptions, String... args) throws IOException {
        // Netty tracks every buffer here (the launcher turns that off): a buffer
        // the proxy forgot to release is reported in the output, and close() fails the test.
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dtandem.threads=2", "-Dio.netty.leakDetection.level=paranoid"));
        // The failsafe run named "epoll" runs the data-path tests again on that transport
        // (the default here is io_uring); a test that forces one itself keeps its own.
        String transport = System.getProperty("it.transport", "");
        if (!transport.isEmpty() && jvmOptions.stream().noneMatch(o -> o.startsWith("-Dtandem.transport="))) {
            command.add("-Dtandem.transport=" + transport);
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "tandem-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().putAll(environment);
        return new TandemProcess(pb.start(), out);
    }

    /**
     * Starts {@code tandem ARGS...} as operators run it: through the repository's {@code tandem} launcher
     * with its own JVM defaults (no TANDEM_JAVA_OPTS; the JDK running the tests), so a test can hold the
     * shipped settings to a bound (memory, the transport's rings). No leak tracking: the launcher turns it off.
     */
    static TandemProcess startShipped(Path workDir, String... args) throws IOException {
        return startShipped(workDir, Map.of(), args);
    }

    /**
     * Like {@link #startShipped(Path, String...)} with {@code environment} added. Without a TANDEM_CDS_DIR
     * there the launcher keeps no class-data archive, so one shipped test does not start from what another
     * left beside the jar.
     */
    static TandemProcess startShipped(Path workDir, Map<String, String> environment, String... args)
            throws IOException {
        Path launcher = JAR.toAbsolutePath().normalize().getParent().getParent().getParent().resolve("tandem");
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "tandem-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        pb.environment().put("TANDEM_JAR", JAR.toAbsolutePath().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("TANDEM_CDS_DIR", "");
        pb.environment().putAll(environment);
        return new TandemProcess(pb.start(), out);
    }

    /** Starts {@code tandem run -c CONFIG} and waits until its admin port answers /healthz. */
    static TandemProcess run(Path workDir, Path config, int adminPort) throws IOException {
        return run(workDir, config, adminPort, new String[0]);
    }

    /** Like {@link #run(Path, Path, int)} with extra JVM options (before {@code -jar}). */
    static TandemProcess run(Path workDir, Path config, int adminPort, String... jvmOptions) throws IOException {
        TandemProcess t = start(workDir, List.of(jvmOptions), "run", "-c", config.toString());
        t.awaitHealthy(adminPort);
        return t;
    }

    void awaitHealthy(int adminPort) {
        awaitHealthy("127.0.0.1", adminPort);
    }

    /** Waits until the admin server at {@code host} (an IPv6 literal in brackets) answers /healthz. */
    void awaitHealthy(String host, int adminPort) {
        HttpClient client = HttpClient.newHttpClient();
        Poll.until(Duration.ofSeconds(30), "tandem admin /healthz on " + host + ":" + adminPort + "\n" + output(), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("tandem exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://" + host + ":" + adminPort + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** Waits for the process to exit by itself and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("tandem did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The file that holds the output. */
    Path outputFile() {
        return output;
    }

    /** Stops the process (once; later calls do nothing); fails if Netty reported a buffer that was never released. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        String out = output();
        if (out.contains("LEAK:")) {
            throw new AssertionError("tandem leaked buffers:\n" + out);
        }
    }
}
