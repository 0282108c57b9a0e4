package io.tandem.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.charset.StandardCharsets;

/**
 * Tandem's built-in logging, set up in code: lines to stdout, access-log lines
 * ({@code tandem.access}) printed as they are, Netty at WARN, the root level
 * from {@code TANDEM_LOG_LEVEL} (INFO by default), and every other line as
 * text or, with {@code TANDEM_LOG_FORMAT=json}, as one JSON object
 * ({@link JsonLogLayout}). Levels change at runtime through {@link LogLevels}.
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
    /** The environment variable that picks the daemon log's format: {@code text} (default) or {@code json}. */
    static final String FORMAT_VARIABLE = "TANDEM_LOG_FORMAT";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("TANDEM_LOG_LEVEL"), Level.INFO));
        String format = System.getenv(FORMAT_VARIABLE);
        boolean json = "json".equalsIgnoreCase(format);
        root.addAppender(console(context, "STDOUT", json ? jsonEncoder(context) : patternEncoder(context, PATTERN)));
        Logger access = context.getLogger("tandem.access");
        access.setLevel(Level.INFO);
        access.setAdditive(false);
        access.addAppender(console(context, "ACCESS", patternEncoder(context, "%msg%n")));
        if (format != null && !json && !"text".equalsIgnoreCase(format)) {
            root.warn("{}={} is not a log format; expected text or json (logging as text)", FORMAT_VARIABLE, format);
        }
        context.getLogger("io.netty").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static Encoder<ILoggingEvent> patternEncoder(LoggerContext context, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        return encoder;
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String name,
                                                          Encoder<ILoggingEvent> encoder) {
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
