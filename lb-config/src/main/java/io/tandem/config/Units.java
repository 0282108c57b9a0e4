package io.tandem.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the config's durations ({@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}) and sizes ({@code 64KiB}). */
public final class Units {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)(B|KiB|MiB|GiB|KB|MB|GB)");
    /** Longer timeouts are typos, and would overflow timers that count nanoseconds. */
    static final Duration MAX_DURATION = Duration.ofHours(1000);
    private static final Pattern MAX_AGE = Pattern.compile("(\\d+)(s|m|h|d)");
    private static final long MAX_AGE_SECONDS = 730L * 86400;
    private static final Pattern BARE_NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private Units() {}

    /** Parses a whole number with a unit: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            String expected = "expected a whole number with a unit such as 250ms, 2s, 1m or 1h";
            if (text != null && BARE_NUMBER.matcher(text.trim()).matches()) {
                throw new IllegalArgumentException("'" + text + "' has no unit; " + expected);
            }
            throw new IllegalArgumentException("'" + text + "' is not a duration; " + expected);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long; expected at most " + format(MAX_DURATION));
        }
        Duration d;
        switch (m.group(2)) {
            case "ms": d = Duration.ofMillis(n); break;
            case "s": d = Duration.ofSeconds(n); break;
            case "m": d = Duration.ofMinutes(n); break;
            default: d = Duration.ofHours(n); break;
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long; expected at most " + format(MAX_DURATION));
        }
        return d;
    }

    /**
     * Parses an HSTS max-age: a whole number of seconds, minutes, hours or days
     * ({@code 180d}, {@code 31536000s}), at most two years (browsers cap it at about that).
     */
    public static Duration parseMaxAge(String text) {
        Matcher m = MAX_AGE.matcher(text == null ? "" : text.trim());
        String expected = "expected a whole number with a unit such as 180d, 365d or 31536000s";
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a max-age; " + expected);
        }
        String digits = m.group(1);
        long unit = m.group(2).equals("s") ? 1 : m.group(2).equals("m") ? 60 : m.group(2).equals("h") ? 3600 : 86400;
        // More digits than two years of seconds has is too long whatever the unit; the product then fits a long.
        long seconds = digits.length() > 9 ? Long.MAX_VALUE : Long.parseLong(digits) * unit;
        if (seconds > MAX_AGE_SECONDS) {
            throw new IllegalArgumentException("'" + text + "' is too long; expected at most 730d");
        }
        return Duration.ofSeconds(seconds);
    }

    /** Returns a size in bytes. KiB/MiB/GiB are powers of 1024; KB/MB/GB are powers of 1000. */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            String expected = "expected a whole number with a unit such as 512B, 64KiB or 1MiB";
            if (text != null && BARE_NUMBER.matcher(text.trim()).matches()) {
                throw new IllegalArgumentException("'" + text + "' has no unit; " + expected);
            }
            throw new IllegalArgumentException("'" + text + "' is not a size; " + expected);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        long unit;
        switch (m.group(2)) {
            case "B": unit = 1; break;
            case "KiB": unit = 1L << 10; break;
            case "MiB": unit = 1L << 20; break;
            case "GiB": unit = 1L << 30; break;
            case "KB": unit = 1_000; break;
            case "MB": unit = 1_000_000; break;
            default: unit = 1_000_000_000; break;
        }
        return Math.multiplyExact(n, unit);
    }

    /** Formats a duration the way the config writes it, for messages and /status. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** Formats a size the way the config writes it: the largest binary unit that divides it. */
    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }
}
