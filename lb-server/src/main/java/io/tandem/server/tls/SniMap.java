package io.tandem.server.tls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Host name to value (a listener's certificates, a TCP listener's SNI routes), by the names each value
 * covers, as browsers match names against a certificate (RFC 6125 section
 * 6.4.3): an exact name, or a wildcard {@code *.example.com} that stands for
 * exactly one leftmost label ({@code a.example.com}, not {@code example.com}
 * nor {@code a.b.example.com}). An exact name wins over a wildcard; among
 * values covering a name the same way, the first listed wins. Immutable;
 * safe from any thread. A lookup is at most two hash lookups.
 */
public final class SniMap<T> {

    private final Map<String, T> exact = new HashMap<>();
    /** Wildcard values by the part after {@code *.}. */
    private final Map<String, T> wildcard = new HashMap<>();

    /** A value and the names it covers (lower case; a wildcard only as the whole leftmost label). */
    public record Entry<T>(List<String> names, T value) {}

    /** The value covering a host, and whether it names the host exactly (else by a wildcard). */
    public record Match<T>(T value, boolean exact) {}

    public SniMap(List<Entry<T>> entries) {
        for (Entry<T> e : entries) {
            for (String name : e.names()) {
                if (name.startsWith("*.")) {
                    wildcard.putIfAbsent(name.substring(2), e.value());
                } else if (name.indexOf('*') < 0) {
                    exact.putIfAbsent(name, e.value());
                }
                // Other wildcard forms (f*.example.com, *.*.example.com) match nothing, as in browsers.
            }
        }
    }

    /** The value covering {@code host} (an SNI name; case-insensitive, a trailing dot ignored), or null. */
    public Match<T> find(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        T value = exact.get(name);
        if (value != null) {
            return new Match<>(value, true);
        }
        int dot = name.indexOf('.');
        // The leftmost label must not be empty: ".example.com" is no name.
        value = dot > 0 ? wildcard.get(name.substring(dot + 1)) : null;
        return value == null ? null : new Match<>(value, false);
    }
}
