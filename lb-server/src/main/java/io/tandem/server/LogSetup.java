package io.tandem.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Tandem's built-in logging, set up in code: lines to stdout, access-log lines
 * ({@code tandem.access}) printed as they are, Netty at WARN, the root level
 * from {@code TANDEM_LOG_LEVEL} (INFO by default).
 *
 * <p>Why not a {@code logback.xml} in the jar: reading one loads logback's XML
 * configurator and the JDK's XML parser, about 430 classes and 2 MiB of
 * metaspace that the daemon keeps for its whole life (docs/benchmarks.md,
 * "Memory"). An operator's own file still wins: with
 * {@code -Dlogback.configurationFile} set, this steps aside and logback reads
 * that file as usual. Found by logback through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{20} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("TANDEM_LOG_LEVEL"), Level.INFO));
        root.addAppender(console(context, "STDOUT", PATTERN));
        Logger access = context.getLogger("tandem.access");
        access.setLevel(Level.INFO);
        access.setAdditive(false);
        access.addAppender(console(context, "ACCESS", "%msg%n"));
        context.getLogger("io.netty").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String name, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
