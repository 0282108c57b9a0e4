package io.tandem.server;

import io.netty.channel.EventLoopGroup;
import io.tandem.config.ConfigDump;
import io.tandem.config.ConfigException;
import io.tandem.config.ConfigLoader;
import io.tandem.config.Problem;
import io.tandem.config.TandemConfig;
import io.tandem.server.demo.DemoBackend;
import io.tandem.server.systemd.EventLoopWatchdog;
import io.tandem.server.systemd.ServiceNotifier;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The {@code tandem} command line, parsed by picocli: one small command class
 * per command, each with {@code --help}. Exit codes: 0 ok, 2 invalid config or
 * usage, 1 runtime failure. Runs on the main thread; {@code run} and
 * {@code demo} block it until the daemon stops.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Main.VersionLines.class,
        synopsisHeading = "usage: ", customSynopsis = "tandem <command> [options]",
        description = "HTTP load balancer: one daemon, one YAML file (docs/configuration.md).",
        commandListHeading = "%ncommands:%n",
        footer = "%n'tandem <command> --help' tells more. Exit codes: 0 ok, 2 invalid config or usage, "
                + "1 runtime failure.",
        subcommands = {Main.RunCommand.class, Main.CheckCommand.class, Main.Reload.class, Main.DemoCommand.class,
                Main.VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private final PrintStream out;
    private final PrintStream err;
    @Spec
    private CommandSpec spec;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The parser for the whole command line, printing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main(out, err));
        cl.setUsageHelpWidth(100);
        cl.setSeparator(" "); // -c FILE, as before picocli
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, command, parsed) -> {
            err.println("tandem: " + describe(e));
            return FAILURE;
        });
        cl.getSubcommands().forEach((name, sub) -> {
            sub.getCommandSpec().usageMessage().synopsisHeading("usage: ");
            if (!name.equals("help")) {
                sub.getCommandSpec().usageMessage().footer(CommandHelp.footer(name));
            }
        });
        return cl;
    }

    /** No command: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        String unknownCommand = command.getParent() == null && e instanceof CommandLine.UnmatchedArgumentException u
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")
                ? u.getUnmatched().get(0) : null;
        err.println("tandem: " + (unknownCommand != null ? "unknown command '" + unknownCommand + "'" : e.getMessage()));
        command.usage(err);
        return USAGE;
    }

    /** {@code -h, --help} of every command. */
    static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
        boolean help;
    }

    /** {@code -c FILE}, shared by the commands that read a config. */
    static final class ConfigFile {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "the config file")
        Path file;
    }

    @Command(name = "run",
            description = {"Run the load balancer in the foreground, logging to stdout.",
                    "SIGHUP reloads FILE (so do --watch, 'tandem reload' and POST /api/v1/reload); "
                            + "SIGTERM and SIGINT drain connections, then exit."})
    static final class RunCommand implements Callable<Integer> {
        @ParentCommand
        Main tandem;
        @Mixin
        HelpOption help;
        @Mixin
        ConfigFile config;
        @Option(names = "--pid-file", paramLabel = "FILE", description = "write the process id to FILE "
                + "(removed at exit)")
        Path pidFile;
        @Option(names = "--watch", description = "also reload FILE when it changes")
        boolean watch;

        @Override
        public Integer call() {
            return runDaemon(config.file, pidFile, watch, tandem.err);
        }
    }

    @Command(name = "check",
            description = {"Validate FILE and print every problem (file:line:column: key: what is wrong), "
                    + "like nginx -t.", "Exit 0 when valid, 2 when not."})
    static final class CheckCommand implements Callable<Integer> {
        @ParentCommand
        Main tandem;
        @Mixin
        HelpOption help;
        @Mixin
        ConfigFile config;
        @Option(names = "--dump", description = {"print the effective config instead of 'FILE: ok': every "
                + "default filled in, variables substituted, as YAML that 'tandem check' accepts again"})
        boolean dump;

        @Override
        public Integer call() {
            return check(config.file, dump, tandem.out, tandem.err);
        }
    }

    @Command(name = "reload",
            description = {"Ask the daemon running FILE to reload it (admin API, with admin.token-file) "
                    + "and wait for the result.", "Exit 0 applied, 2 refused (every problem printed), 1 no answer."})
    /** Parses {@code reload}; {@link ReloadCommand} does the work. */
    static final class Reload implements Callable<Integer> {
        @ParentCommand
        Main tandem;
        @Mixin
        HelpOption help;
        @Mixin
        ConfigFile config;

        @Override
        public Integer call() {
            return ReloadCommand.run(config.file, tandem.out, tandem.err);
        }
    }

    @Command(name = "demo",
            description = "The quick start: 3 demo backends and a balancer on 127.0.0.1:8080, "
                    + "admin and status page on 127.0.0.1:9901. Ctrl-C stops it.")
    static final class DemoCommand implements Callable<Integer> {
        @ParentCommand
        Main tandem;
        @Mixin
        HelpOption help;

        @Override
        public Integer call() {
            return demo(tandem.out, tandem.err);
        }
    }

    @Command(name = "version",
            description = "Print the version, git commit, build date, JDK and the I/O transport this "
                    + "machine would run on.")
    static final class VersionCommand implements Callable<Integer> {
        @ParentCommand
        Main tandem;
        @Mixin
        HelpOption help;

        @Override
        public Integer call() {
            String[] lines = new VersionLines().getVersion();
            for (String line : lines) {
                tandem.out.println(line);
            }
            return lines[lines.length - 1].startsWith("transport: unavailable") ? FAILURE : OK;
        }
    }

    /** {@code tandem version} and {@code --version}: what the build recorded and what this machine offers. */
    static final class VersionLines implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String transport;
            try {
                transport = Transport.best().name();
            } catch (IllegalStateException e) {
                transport = "unavailable: " + e.getMessage();
            }
            return new String[] {
                    "tandem " + Version.get(),
                    "commit:    " + Version.commit(),
                    "built:     " + Version.buildDate(),
                    "jdk:       " + Version.jdk(),
                    "transport: " + transport,
            };
        }
    }

    private static int check(Path file, boolean dump, PrintStream out, PrintStream err) {
        try {
            TandemConfig config = ConfigLoader.load(file);
            for (Problem warning : config.warnings()) {
                err.println("warning: " + warning);
            }
            String warned = config.warnings().isEmpty() ? "" : " (" + config.warnings().size()
                    + (config.warnings().size() == 1 ? " warning)" : " warnings)");
            out.print(dump ? ConfigDump.yaml(config) : file + ": ok" + warned + "\n");
            return OK;
        } catch (ConfigException e) {
            printProblems(e, err);
            return USAGE;
        }
    }

    static void printProblems(ConfigException e, PrintStream err) {
        for (Problem p : e.problems()) {
            err.println(p);
        }
        err.println(e.problems().size() == 1 ? "1 problem" : e.problems().size() + " problems");
    }

    private static int runDaemon(Path configFile, Path pidFile, boolean watch, PrintStream err) {
        TandemConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            printProblems(e, err);
            return USAGE;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        config.warnings().forEach(w -> log.warn("config warning: {}", w));
        TandemServer server;
        try {
            server = new TandemServer(config, workerThreads());
            server.start();
        } catch (Exception e) {
            err.println("tandem: cannot start: " + describe(e));
            return FAILURE;
        }
        try {
            if (pidFile != null) {
                Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
            }
        } catch (java.io.IOException e) {
            err.println("tandem: cannot write pid file " + pidFile + ": " + e.getMessage());
            server.close();
            return FAILURE;
        }
        OldGenGovernor.install();
        log.info("tandem {} running with {} (admin on {})", Version.get(), configFile, server.adminAddress());
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv(), ProcessHandle.current().pid());
        server.notifier(notifier);
        notifier.ready("serving " + config.listeners().size() + " listener(s) from " + configFile);
        EventLoopWatchdog watchdog = notifier.watchdogTimeout()
                .map(timeout -> EventLoopWatchdog.start(server.eventLoops(), notifier, timeout))
                .orElse(null);
        Runnable reload = () -> server.reloadAsync();
        ConfigWatcher watcher = null;
        if (watch) {
            try {
                watcher = new ConfigWatcher(configFile, reload);
            } catch (java.io.IOException e) {
                log.error("cannot watch {}: {}; SIGHUP and the admin API still reload", configFile, e.toString());
            }
        }
        SignalControl signals = new SignalControl();
        signals.install(reload, () -> {
            if (watchdog != null) {
                watchdog.close();
            }
            notifier.stopping("draining connections (at most "
                    + io.tandem.config.Units.format(server.config().shutdownTimeout()) + ")");
            int unfinished = server.shutdown(server.config().shutdownTimeout());
            log.info("stopped{}", unfinished == 0 ? "" : " (" + unfinished + " connection(s) cut at the timeout)");
        });
        try {
            signals.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (java.io.IOException e) {
                log.debug("closing the watcher: {}", e.toString());
            }
        }
        notifier.close();
        if (pidFile != null) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (java.io.IOException e) {
                log.warn("cannot remove pid file {}: {}", pidFile, e.toString());
            }
        }
        // Drained: the next start maps what this run loaded, if the launcher asked for it.
        ClassDataArchive.writeIfAsked(log);
        return OK;
    }

    private static int demo(PrintStream out, PrintStream err) {
        Transport transport;
        try {
            transport = Transport.best();
        } catch (IllegalStateException e) {
            err.println("tandem: cannot start the demo: " + describe(e));
            return FAILURE;
        }
        EventLoopGroup group = transport.newGroup(1, "demo-backend");
        List<DemoBackend> backends = new ArrayList<>();
        TandemServer server;
        try {
            StringBuilder yaml = new StringBuilder()
                    .append("listeners:\n  - { name: web, bind: 127.0.0.1:8080, pool: web }\n")
                    .append("admin: { bind: 127.0.0.1:9901 }\n")
                    .append("pools:\n  web:\n    strategy: round-robin\n    backends:\n");
            for (int i = 1; i <= 3; i++) {
                DemoBackend b = new DemoBackend("demo-" + i);
                InetSocketAddress address = b.start(group, transport, "127.0.0.1");
                backends.add(b);
                yaml.append("      - { address: 127.0.0.1:").append(address.getPort()).append(" }\n");
            }
            TandemConfig config = ConfigLoader.parse(yaml.toString(), "demo");
            server = new TandemServer(config, 2);
            server.start();
            // The launcher starts the demo with the daemon's serial-collector flags: govern it the same way.
            OldGenGovernor.install();
        } catch (Exception e) {
            err.println("tandem: cannot start the demo: " + describe(e));
            backends.forEach(DemoBackend::close);
            group.shutdownGracefully();
            return FAILURE;
        }
        out.println();
        out.println("Tandem demo is running: 3 demo backends behind one balancer.");
        out.println();
        out.println("  balancer   http://127.0.0.1:8080/");
        out.println("  status     http://127.0.0.1:9901/   (live page: drain and enable backends there)");
        out.println("  metrics    http://127.0.0.1:9901/metrics");
        out.println("  status     http://127.0.0.1:9901/status (JSON)");
        out.println();
        out.println("Try it (each answer names the backend that served it):");
        out.println("  for i in 1 2 3 4; do curl -s -D - -o /dev/null http://127.0.0.1:8080/ | grep X-Backend; done");
        out.println();
        out.println("Press Ctrl-C to stop.");
        out.flush();
        TandemServer running = server;
        awaitShutdown(() -> {
            running.close();
            backends.forEach(DemoBackend::close);
            group.shutdownGracefully().awaitUninterruptibly();
        });
        return OK;
    }

    /** Blocks until SIGTERM/SIGINT, then runs {@code stop} before the JVM exits. */
    private static void awaitShutdown(Runnable stop) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop.run();
            } finally {
                stopped.countDown();
            }
        }, "tandem-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static int workerThreads() {
        String configured = System.getProperty("tandem.threads");
        return configured != null ? Integer.parseInt(configured) : Runtime.getRuntime().availableProcessors();
    }
}
