package io.tandem.config;

import java.util.Locale;

/**
 * A listener's access log: one line per request through the {@code tandem.access} logger.
 *
 * @param enabled off by default: a busy listener writes a line per request
 * @param format  plain text (one space-separated line) or one JSON object per line
 */
public record AccessLogConfig(boolean enabled, Format format) {

    public static final AccessLogConfig OFF = new AccessLogConfig(false, Format.TEXT);

    /** The line format. */
    public enum Format {
        TEXT,
        JSON;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Format fromConfig(String text) {
            for (Format f : values()) {
                if (f.configName().equals(text)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not an access log format; expected text or json");
        }
    }
}
