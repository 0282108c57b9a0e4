package io.tandem.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The log levels of the running daemon, read and changed at runtime (the
 * admin API's {@code /api/v1/log-level}). A change lasts until the process
 * restarts; a config reload does not touch it. Logback's loggers are
 * thread-safe, so this is safe from any thread.
 */
public final class LogLevels {

    /** The levels a logger may be set to, quietest last. */
    public static final List<String> NAMES = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    /** The root logger's name in requests and answers. */
    public static final String ROOT = "ROOT";

    private final LoggerContext context;

    private LogLevels(LoggerContext context) {
        this.context = context;
    }

    /** The levels of the process's logback context. */
    public static LogLevels ofProcess() {
        return new LogLevels((LoggerContext) LoggerFactory.getILoggerFactory());
    }

    /** Every logger with a level of its own, root first, then by name. */
    public Map<String, String> configured() {
        Map<String, String> levels = new LinkedHashMap<>();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null) {
                levels.put(l.getName().equals(Logger.ROOT_LOGGER_NAME) ? ROOT : l.getName(), l.getLevel().toString());
            }
        }
        return levels;
    }

    /** The level {@code logger} logs at now: its own or the nearest ancestor's. */
    public String effective(String logger) {
        return logger(logger).getEffectiveLevel().toString();
    }

    /**
     * Sets {@code logger} (a name such as {@code io.tandem}, or {@code ROOT}) to
     * {@code level}, case-insensitive; returns the level it logged at before.
     * Throws {@link IllegalArgumentException} naming the levels when {@code level}
     * is none of {@link #NAMES}, or when the logger name is not one.
     */
    public String set(String logger, String level) {
        if (logger == null || !(logger.equals(ROOT) || logger.matches("[A-Za-z_$][A-Za-z0-9_$.-]*"))) {
            throw new IllegalArgumentException("'" + logger + "' is not a logger name; expected e.g. io.tandem, "
                    + "tandem.access or ROOT");
        }
        String name = level == null ? null : level.toUpperCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("'" + level + "' is not a log level; expected one of "
                    + String.join(", ", NAMES));
        }
        Logger l = logger(logger);
        String before = l.getEffectiveLevel().toString();
        l.setLevel(Level.toLevel(name));
        return before;
    }

    private Logger logger(String name) {
        return context.getLogger(name.equals(ROOT) ? Logger.ROOT_LOGGER_NAME : name);
    }
}
