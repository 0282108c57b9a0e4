package io.tandem.core.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code Vary} field of a stored response (RFC 9111 section 4.1). Stateless. */
public final class Vary {

    private Vary() {}

    /** Whether {@code Vary} holds {@code *}: the response matches no later request. */
    public static boolean isStar(String vary) {
        if (vary == null) {
            return false;
        }
        for (String name : vary.split(",")) {
            if (name.strip().equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** The request header names a response varies on, lowercase, in order, without duplicates. */
    public static List<String> names(String vary) {
        List<String> names = new ArrayList<>(2);
        if (vary == null) {
            return names;
        }
        for (String name : vary.split(",")) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            if (!n.isEmpty() && !names.contains(n)) {
                names.add(n);
            }
        }
        return names;
    }

    /**
     * A request's values of the varying headers, normalized so that
     * requests that differ only in whitespace around commas match (section 4.1
     * allows normalizing); an absent header is distinct from an empty one.
     */
    public static String normalize(String value) {
        if (value == null) {
            return "\u0000";
        }
        StringBuilder b = new StringBuilder(value.length());
        for (String part : value.split(",")) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(part.strip());
        }
        return b.toString();
    }
}
