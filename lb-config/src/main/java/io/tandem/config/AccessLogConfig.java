package io.tandem.config;

import java.util.Locale;
import java.util.Optional;

/**
 * A listener's access log: one line per request through the {@code tandem.access}
 * logger, or to a syslog server.
 *
 * @param enabled  off by default: a busy listener writes a line per request
 * @param format   plain text (one space-separated line), one JSON object per line, the Common or
 *                 Combined Log Format, or a template of named fields
 * @param template the fields and text of a line for {@code common}, {@code combined} and
 *                 {@code template}; empty for {@code text} and {@code json}
 * @param syslog   where lines go instead of the {@code tandem.access} logger; empty for the logger
 */
public record AccessLogConfig(boolean enabled, Format format, Optional<AccessLogTemplate> template,
                              Optional<SyslogConfig> syslog) {

    public static final AccessLogConfig OFF = new AccessLogConfig(false, Format.TEXT);

    /** A text or JSON log through the {@code tandem.access} logger, as before templates and syslog existed. */
    public AccessLogConfig(boolean enabled, Format format) {
        this(enabled, format, Optional.ofNullable(format.builtIn()), Optional.empty());
    }

    /** The line format. */
    public enum Format {
        TEXT,
        JSON,
        COMMON,
        COMBINED,
        TEMPLATE;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The template this format stands for, or null when it has none built in. */
        AccessLogTemplate builtIn() {
            return this == COMMON ? AccessLogTemplate.COMMON : this == COMBINED ? AccessLogTemplate.COMBINED : null;
        }

        static Format fromConfig(String text) {
            for (Format f : values()) {
                if (f.configName().equals(text)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not an access log format");
        }
    }
}
