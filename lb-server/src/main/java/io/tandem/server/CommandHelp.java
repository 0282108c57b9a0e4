package io.tandem.server;

import io.tandem.server.metrics.ProxyMetrics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What each command reads besides its arguments, for its {@code --help}: the
 * environment variables and the {@code -D} system properties. One table, so a
 * setting is described once and listed under every command it affects;
 * CommandHelpTest keeps it in step with the properties and variables the code
 * reads.
 */
final class CommandHelp {

    /** One environment variable or system property and the commands it affects. */
    record Setting(String name, String what, Set<String> commands) {}

    private static final Set<String> DAEMONS = Set.of("run", "demo");
    private static final Set<String> ALL = Set.of("run", "check", "reload", "demo", "version");
    private static final Set<String> WITH_CONFIG = Set.of("run", "check", "reload");
    private static final Set<String> WITH_TRANSPORT = Set.of("run", "demo", "version");

    static final List<Setting> ENVIRONMENT = List.of(
            new Setting("TANDEM_LOG_LEVEL", "log level: ERROR, WARN, INFO (default), DEBUG or TRACE", DAEMONS),
            new Setting("TANDEM_LOG_FORMAT", "log format: text (default) or json (one JSON object a line)", DAEMONS),
            new Setting("NOTIFY_SOCKET", "set by systemd (Type=notify): where READY, RELOADING and STOPPING go",
                    Set.of("run")),
            new Setting("WATCHDOG_USEC", "set by systemd (WatchdogSec=): how often the event loops must ping",
                    Set.of("run")),
            new Setting("WATCHDOG_PID", "set by systemd: the process the watchdog is for (others do not ping)",
                    Set.of("run")),
            new Setting("${NAME}", "a variable the config names in a value: ${NAME} or ${NAME:-default}", WITH_CONFIG),
            new Setting("TANDEM_JAVA_OPTS", "the launcher's JVM options, replacing its defaults (-D properties "
                    + "go here)", ALL),
            new Setting("TANDEM_JAR", "the jar the launcher runs", ALL),
            new Setting("TANDEM_CDS_DIR", "where the launcher keeps the class-data archive (default: the jar's "
                    + "directory; empty: none)", Set.of("run")),
            new Setting("TANDEM_RESTART", "the Docker image's entrypoint: on-failure starts Tandem again "
                    + "TANDEM_RESTART_DELAY seconds (default 1) after it failed", Set.of("run")),
            new Setting("JAVA_HOME", "the JDK the launcher runs (else java on the PATH)", ALL));

    static final List<Setting> PROPERTIES = List.of(
            new Setting("tandem.threads", "event-loop threads (default: one per CPU)", Set.of("run")),
            new Setting(Transport.PROPERTY, "io_uring, epoll or nio (default: the best there is)", WITH_TRANSPORT),
            new Setting("tandem.nio", "true: the same as -D" + Transport.PROPERTY + "=nio", WITH_TRANSPORT),
            new Setting(ProxyMetrics.REQUEST_METRICS_PROPERTY, "false: no per-request metrics (for benchmarks)",
                    DAEMONS),
            new Setting("logback.configurationFile", "your own logback file (then TANDEM_LOG_* do nothing)", DAEMONS),
            new Setting(Transport.MULTISHOT_ACCEPT, "false: Netty's io_uring accepts one connection at a time",
                    WITH_TRANSPORT),
            new Setting(ClassDataArchive.PROPERTY, "set by the launcher: the class-data archive to write when a "
                    + "signal stops the daemon", Set.of("run")));

    private CommandHelp() {}

    /** The footer of {@code command}'s help: its environment variables and system properties (picocli markup). */
    static String footer(String command) {
        StringBuilder b = new StringBuilder();
        section(b, "Environment:", ENVIRONMENT, command);
        section(b, "System properties (-DNAME=VALUE before -jar, or in TANDEM_JAVA_OPTS):", PROPERTIES, command);
        b.append("%nExit codes: 0 ok, 2 invalid config or usage, 1 runtime failure.");
        return b.toString();
    }

    private static void section(StringBuilder b, String heading, List<Setting> settings, String command) {
        List<Setting> mine = settings.stream().filter(s -> s.commands().contains(command)).collect(Collectors.toList());
        if (mine.isEmpty()) {
            return;
        }
        int width = mine.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        b.append("%n").append(heading).append("%n");
        for (Setting s : mine) {
            b.append("  ").append(escape(String.format("%-" + width + "s  %s", s.name(), s.what()))).append("%n");
        }
    }

    /** picocli reads footers as format strings with ${...} variables. */
    private static String escape(String text) {
        return text.replace("%", "%%").replace("${", "$${");
    }
}
