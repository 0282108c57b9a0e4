package io.tandem.core.cache;

import java.util.Locale;

/**
 * The directives of a {@code Cache-Control} or {@code Surrogate-Control}
 * field (RFC 9111 section 5.2, Edge Architecture 1.0) that a shared cache
 * acts on. Unknown directives are ignored, as the RFC asks; a delta-seconds
 * value that does not parse counts as absent, except that a malformed
 * {@code max-age} makes the response stale (RFC 9111 section 4.2.1 says treat
 * it as stale; here: freshness 0). Immutable.
 *
 * @param maxAge               {@code max-age} seconds, or -1
 * @param sMaxAge              {@code s-maxage} seconds, or -1
 * @param staleWhileRevalidate {@code stale-while-revalidate} seconds (RFC 5861), or -1
 * @param staleIfError         {@code stale-if-error} seconds (RFC 5861), or -1
 * @param esi                  (Surrogate-Control) {@code content="ESI/1.0"}
 */
public record CacheControl(long maxAge, long sMaxAge, boolean noStore, boolean noCache, boolean isPrivate,
                           boolean mustRevalidate, boolean proxyRevalidate, long staleWhileRevalidate,
                           long staleIfError, boolean esi) {

    public static final CacheControl NONE = new CacheControl(-1, -1, false, false, false, false, false, -1, -1,
            false);

    /** Parses one field's value (several field lines joined with commas); null or empty gives {@link #NONE}. */
    public static CacheControl parse(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        long maxAge = -1;
        long sMaxAge = -1;
        long swr = -1;
        long sie = -1;
        boolean noStore = false;
        boolean noCache = false;
        boolean priv = false;
        boolean mustRevalidate = false;
        boolean proxyRevalidate = false;
        boolean esi = false;
        for (String part : splitDirectives(value)) {
            String d = part.strip();
            if (d.isEmpty()) {
                continue;
            }
            int eq = d.indexOf('=');
            String name = (eq < 0 ? d : d.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String arg = eq < 0 ? null : unquote(d.substring(eq + 1).strip());
            switch (name) {
                case "max-age" -> maxAge = seconds(arg, 0);
                case "s-maxage" -> sMaxAge = seconds(arg, 0);
                case "stale-while-revalidate" -> swr = seconds(arg, -1);
                case "stale-if-error" -> sie = seconds(arg, -1);
                case "no-store" -> noStore = true;
                // no-cache="field" (a qualified no-cache) is stored without the fields: treated as plain no-cache.
                case "no-cache" -> noCache = true;
                case "private" -> priv = true;
                case "must-revalidate" -> mustRevalidate = true;
                case "proxy-revalidate" -> proxyRevalidate = true;
                case "content" -> esi = arg != null && arg.toUpperCase(Locale.ROOT).contains("ESI/1.0");
                default -> { }
            }
        }
        return new CacheControl(maxAge, sMaxAge, noStore, noCache, priv, mustRevalidate, proxyRevalidate, swr, sie,
                esi);
    }

    /** Delta-seconds (RFC 9111 section 1.2.2): digits, capped at 2^31; {@code bad} when not digits. */
    private static long seconds(String arg, long bad) {
        if (arg == null || arg.isEmpty()) {
            return bad;
        }
        long v = 0;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c < '0' || c > '9') {
                return bad;
            }
            v = Math.min(v * 10 + (c - '0'), 1L << 31);
        }
        return v;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"'
                ? s.substring(1, s.length() - 1) : s;
    }

    /** Splits at commas outside quoted strings. */
    private static java.util.List<String> splitDirectives(String value) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if ((c == ',' || c == ';') && !quoted) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        return parts;
    }
}
