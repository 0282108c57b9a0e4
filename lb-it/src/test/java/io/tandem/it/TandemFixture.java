package io.tandem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * What an integration test stands on: a work directory, the backends it starts, one or more Tandem nodes
 * (the built jar run as a process) with a {@link TandemConfig} each, and their teardown in order.
 *
 * <p>Register it with {@code @RegisterExtension}: in a {@code static} field everything lives for the
 * class (start it in {@code @BeforeAll}), in an instance field for one test. It stops the nodes (last
 * started first; a leaked buffer fails the test), then closes the backends and whatever else was handed
 * to {@link #closeAfter} (last registered first), then deletes the directory. A test's own
 * {@code @AfterEach}/{@code @AfterAll} run before that, so a test releases its gates there. When a test
 * fails, the last lines of each node's output are added to the failure and the directory is kept.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TandemFixture lb = new TandemFixture();
 *
 * @BeforeAll
 * static void start() throws Exception {
 *     StubBackend a = lb.stub("a");
 *     StubBackend b = lb.stub("b");
 *     lb.config().listener("web", "web")
 *             .pool("web", p -> p.strategy("round-robin").backends(a, b));
 *     lb.start();                        // writes tandem.yaml, runs the jar, waits for /healthz
 * }
 * ... lb.uri("web", "/"), lb.admin().status(), lb.output()
 * }</pre>
 */
final class TandemFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback,
        TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    /** Lines of each node's output added to a failure. */
    private static final int TAIL_LINES = 150;

    private Path dir;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<TandemProcess> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private boolean classScoped;
    private boolean failed;

    // ---- the work directory and its files

    /** This fixture's directory (made on first use): configs, logs, key and token files. */
    Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("tandem-it-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Writes {@code content} to {@code name} in {@link #dir()}: a token, a key, a deliberately broken config. */
    Path file(String name, String content) throws IOException {
        Path p = dir().resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    // ---- backends, and anything else to close

    /** A {@link StubBackend} on a free loopback port. */
    StubBackend stub(String name) throws IOException {
        return closeAfter(new StubBackend(name));
    }

    /** A {@link StubBackend} on {@code bind} (e.g. the host side of a network the test made). */
    StubBackend stub(String name, InetAddress bind) throws IOException {
        return closeAfter(new StubBackend(name, bind));
    }

    /** An HTTPS {@link StubBackend} on a free loopback port. */
    StubBackend httpsStub(String name, StubTls tls) throws IOException {
        return closeAfter(new StubBackend(name, tls));
    }

    /** A {@link RawBackend} running {@code script} for each connection. */
    RawBackend raw(RawBackend.Script script) throws IOException {
        return closeAfter(new RawBackend(script));
    }

    /** A {@link StubServerMain} in its own JVM on a free port, answered. */
    BackendProcess backendProcess(String name, String healthMode) throws Exception {
        return backendProcess(name, Ports.free(), healthMode);
    }

    /** A {@link StubServerMain} in its own JVM on {@code port} (e.g. again where a killed one was). */
    BackendProcess backendProcess(String name, int port, String healthMode) throws Exception {
        return closeAfter(BackendProcess.start(dir(), name, port, healthMode));
    }

    /** Closes {@code c} after the nodes have stopped, in reverse order of registration; returns it. */
    <T extends AutoCloseable> T closeAfter(T c) {
        closeables.add(c);
        return c;
    }

    /** A loopback address where nothing listens: connecting is refused at once. */
    static String unusedAddress() {
        return "127.0.0.1:" + Ports.free();
    }

    // ---- nodes

    /** The node most tests have one of: config file {@code tandem.yaml}. */
    Node node() {
        return node("tandem");
    }

    /** Node {@code name}, made on first use; its config file is {@code NAME.yaml}. */
    Node node(String name) {
        return nodes.computeIfAbsent(name, Node::new);
    }

    TandemConfig config() {
        return node().config;
    }

    /** Writes the config of {@link #node()}, runs it and waits until its admin server answers. */
    TandemProcess start(String... jvmOptions) throws IOException {
        return node().start(jvmOptions);
    }

    String output() {
        return node().output();
    }

    int port(String listener) {
        return node().port(listener);
    }

    URI uri(String listener, String path) {
        return node().uri(listener, path);
    }

    AdminClient admin() {
        return node().admin();
    }

    Path configFile() {
        return node().configFile();
    }

    void writeConfig() throws IOException {
        node().writeConfig();
    }

    void writeConfig(String yaml) throws IOException {
        node().writeConfig(yaml);
    }

    HttpResponse<String> reload() {
        return node().reload();
    }

    /** Runs {@code tandem ARGS...} in {@link #dir()} without waiting for anything (a run expected to fail). */
    TandemProcess launch(String... args) throws IOException {
        return track(TandemProcess.start(dir(), args));
    }

    /** The exit code and merged output of one run of the jar to its end. */
    record Result(int exit, String output) {}

    /**
     * Runs {@code tandem ARGS...} to its end (at most 60 s) with the TANDEM_* variables of this environment
     * removed and {@code env} added: for {@code tandem check} and runs that must refuse to start.
     */
    Result runToEnd(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(TandemProcess.javaBinary(), "-Xmx128m", "-XX:+UseSerialGC",
                "-jar", TandemProcess.JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir(), "tandem-", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir().toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("tandem " + String.join(" ", args) + " did not exit within 60s:\n"
                    + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private TandemProcess track(TandemProcess p) {
        processes.add(p);
        return p;
    }

    /** One Tandem node: its config, its file, and its process once started. */
    final class Node {
        final String name;
        private final TandemConfig config = new TandemConfig();
        private List<String> launcher = List.of();
        private final Map<String, String> environment = new HashMap<>();
        private boolean shipped;
        private TandemProcess process;

        private Node(String name) {
            this.name = name;
        }

        TandemConfig config() {
            return config;
        }

        Path configFile() {
            return dir().resolve(name + ".yaml");
        }

        /** Runs the JVM under these commands, e.g. {@code ip netns exec NS} (which execs java). */
        Node launcher(String... command) {
            launcher = List.of(command);
            return this;
        }

        /** Adds {@code name=value} to the environment of the node's process (e.g. NOTIFY_SOCKET). */
        Node environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /**
         * Runs the node through the repository's {@code tandem} launcher with its default JVM options (the
         * {@link #environment} may set the launcher's own variables, e.g. TANDEM_CDS_DIR).
         */
        Node shipped() {
            shipped = true;
            return this;
        }

        /** Writes the config as it now is; beside the file and renamed over it, as editors do. */
        void writeConfig() throws IOException {
            writeConfig(config.render());
        }

        /** Writes {@code yaml} as this node's config (a variant the builder cannot make, e.g. a broken one). */
        void writeConfig(String yaml) throws IOException {
            Path file = configFile();
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, yaml);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        /** Writes the config, runs {@code tandem run -c FILE} and waits until the admin server answers /healthz. */
        TandemProcess start(String... jvmOptions) throws IOException {
            launch(List.of(jvmOptions));
            awaitHealthy();
            return process;
        }

        /**
         * Writes the config and runs {@code tandem run -c FILE RUN_ARGS...} without waiting: for a start
         * that may fail, or one a test watches ({@link #awaitHealthy()} then).
         */
        TandemProcess launch(List<String> jvmOptions, String... runArgs) throws IOException {
            if (process != null) {
                throw new IllegalStateException("node " + name + " was started already");
            }
            writeConfig();
            List<String> args = new ArrayList<>(List.of("run", "-c", configFile().toString()));
            args.addAll(List.of(runArgs));
            if (shipped && (!launcher.isEmpty() || !jvmOptions.isEmpty())) {
                throw new IllegalStateException("node " + name + ": a shipped node takes no launcher or JVM options");
            }
            process = track(shipped
                    ? TandemProcess.startShipped(dir(), environment, args.toArray(String[]::new))
                    : TandemProcess.start(dir(), environment, launcher, jvmOptions, args.toArray(String[]::new)));
            return process;
        }

        void awaitHealthy() {
            process().awaitHealthy(config.adminHost(), config.adminPort());
        }

        /** Stops the node's process (SIGTERM, graceful) and starts it again with the config as it now is. */
        TandemProcess restart(String... jvmOptions) throws IOException, InterruptedException {
            process().close();
            process = null;
            return start(jvmOptions);
        }

        TandemProcess process() {
            if (process == null) {
                throw new IllegalStateException("node " + name + " is not started");
            }
            return process;
        }

        String output() {
            return process().output();
        }

        int port(String listener) {
            return config.port(listener);
        }

        int adminPort() {
            return config.adminPort();
        }

        URI uri(String listener, String path) {
            return URI.create("http://127.0.0.1:" + port(listener) + path);
        }

        AdminClient admin() {
            return new AdminClient(config.adminHost(), config.adminPort());
        }

        /** POST /api/v1/reload without a token. */
        HttpResponse<String> reload() {
            return admin().post("/api/v1/reload", null, null);
        }
    }

    // ---- teardown and failure reports

    @Override
    public void beforeAll(ExtensionContext context) {
        classScoped = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!classScoped) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withOutputs(t);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withOutputs(t);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withOutputs(t);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withOutputs(t);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw withOutputs(t);
    }

    /** Adds the tail of every node's output to a failure, and keeps the directory for a look. */
    private Throwable withOutputs(Throwable t) {
        failed = true;
        for (TandemProcess p : processes) {
            List<String> lines = p.output().lines().toList();
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
            t.addSuppressed(new NodeOutput("last " + Math.min(lines.size(), TAIL_LINES) + " lines of "
                    + p.outputFile() + " (kept):\n" + tail));
        }
        return t;
    }

    /** Stops the nodes, closes the backends, deletes the directory (kept after a failure); throws the first error. */
    private void close() throws Exception {
        Throwable first = null;
        for (int i = processes.size() - 1; i >= 0; i--) {
            first = closeQuietly(processes.get(i), first);
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            first = closeQuietly(closeables.get(i), first);
        }
        processes.clear();
        closeables.clear();
        nodes.clear();
        if (dir != null) {
            if (failed || first != null) {
                System.err.println("tandem-it: files of the failed test kept in " + dir);
            } else {
                deleteTree(dir);
            }
            dir = null;
        }
        failed = false;
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw (Exception) first;
        }
    }

    private static Throwable closeQuietly(AutoCloseable c, Throwable first) {
        try {
            c.close();
            return first;
        } catch (Exception | AssertionError e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
            return first;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A node's output attached to a failure: a message, no stack trace of its own. */
    private static final class NodeOutput extends Exception {
        NodeOutput(String message) {
            super(message, null, false, false);
        }
    }
}
