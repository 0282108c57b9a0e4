package io.tandem.server;

import io.netty.channel.EventLoopGroup;
import io.tandem.config.ConfigException;
import io.tandem.config.ConfigLoader;
import io.tandem.config.Problem;
import io.tandem.config.TandemConfig;
import io.tandem.server.demo.DemoBackend;
import io.tandem.server.systemd.EventLoopWatchdog;
import io.tandem.server.systemd.ServiceNotifier;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code tandem} command line. Exit codes: 0 ok, 2 invalid config or usage, 1 runtime failure. */
public final class Main {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = String.join("\n",
            "usage: tandem <command> [options]",
            "",
            "commands:",
            "  run   -c FILE [--pid-file FILE] [--watch]",
            "                                    run the load balancer (foreground, logs to stdout);",
            "                                    SIGHUP reloads FILE, --watch also reloads when it changes",
            "  check -c FILE                     validate FILE, print every problem; exit 0 or 2",
            "  reload -c FILE                    ask the daemon running FILE to reload it (admin API) and wait;",
            "                                    exit 0 applied, 2 refused (every problem printed), 1 no answer",
            "  demo                              3 demo backends + balancer on 127.0.0.1:8080 + admin on :9901",
            "  version                           print the version",
            "");

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String command = args[0];
        Options options;
        try {
            options = Options.parse(command, java.util.Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            err.println("tandem: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        switch (command) {
            case "version":
            case "--version":
                out.println("tandem " + Version.get());
                return OK;
            case "help":
            case "--help":
            case "-h":
                out.print(USAGE_TEXT);
                return OK;
            case "check":
                return check(options.config, out, err);
            case "run":
                return runDaemon(options, err);
            case "reload":
                return ReloadCommand.run(options.config, out, err);
            case "demo":
                return demo(out, err);
            default:
                err.println("tandem: unknown command '" + command + "'");
                err.print(USAGE_TEXT);
                return USAGE;
        }
    }

    /** The options of one command; unknown ones are usage errors. */
    private static final class Options {
        Path config;
        Path pidFile;
        boolean watch;

        static Options parse(String command, String[] args) {
            Options o = new Options();
            boolean takesConfig = command.equals("run") || command.equals("check") || command.equals("reload");
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (takesConfig && (a.equals("-c") || a.equals("--config"))) {
                    o.config = Path.of(value(args, ++i, a));
                } else if (command.equals("run") && a.equals("--pid-file")) {
                    o.pidFile = Path.of(value(args, ++i, a));
                } else if (command.equals("run") && a.equals("--watch")) {
                    o.watch = true;
                } else {
                    throw new IllegalArgumentException("unknown option '" + a + "' for '" + command + "'");
                }
            }
            if (takesConfig && o.config == null) {
                throw new IllegalArgumentException("'" + command + "' needs -c FILE");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            return args[i];
        }
    }

    private static int check(Path file, PrintStream out, PrintStream err) {
        try {
            TandemConfig config = ConfigLoader.load(file);
            for (Problem warning : config.warnings()) {
                err.println("warning: " + warning);
            }
            out.println(file + ": ok" + (config.warnings().isEmpty() ? ""
                    : " (" + config.warnings().size() + (config.warnings().size() == 1 ? " warning)" : " warnings)")));
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

    private static int runDaemon(Options options, PrintStream err) {
        TandemConfig config;
        try {
            config = ConfigLoader.load(options.config);
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
            if (options.pidFile != null) {
                Files.writeString(options.pidFile, ProcessHandle.current().pid() + "\n");
            }
        } catch (java.io.IOException e) {
            err.println("tandem: cannot write pid file " + options.pidFile + ": " + e.getMessage());
            server.close();
            return FAILURE;
        }
        log.info("tandem {} running with {} (admin on {})", Version.get(), options.config, server.adminAddress());
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv(), ProcessHandle.current().pid());
        server.notifier(notifier);
        notifier.ready("serving " + config.listeners().size() + " listener(s) from " + options.config);
        EventLoopWatchdog watchdog = notifier.watchdogTimeout()
                .map(timeout -> EventLoopWatchdog.start(server.eventLoops(), notifier, timeout))
                .orElse(null);
        Runnable reload = () -> server.reloadAsync();
        ConfigWatcher watcher = null;
        if (options.watch) {
            try {
                watcher = new ConfigWatcher(options.config, reload);
            } catch (java.io.IOException e) {
                log.error("cannot watch {}: {}; SIGHUP and the admin API still reload", options.config, e.toString());
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
        if (options.pidFile != null) {
            try {
                Files.deleteIfExists(options.pidFile);
            } catch (java.io.IOException e) {
                log.warn("cannot remove pid file {}: {}", options.pidFile, e.toString());
            }
        }
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
