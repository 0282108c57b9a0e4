package io.tandem.config;

import java.util.List;

/**
 * Finds routes that can never match because an earlier route takes every
 * request they would: route A shadows route B when each condition of A is
 * implied by B's conditions. The test is conservative: it only says "shadowed"
 * when that is certain (regexes are compared as text, so a regex route is only
 * shadowed by a route without a path condition, a prefix it implies by its
 * literal start, or the same regex). Pure; used by the loader for
 * {@code tandem check}'s warnings.
 */
final class RouteShadows {

    private RouteShadows() {}

    /** The index of the first route of {@code earlier} that shadows {@code later}, or -1. */
    static int shadowedBy(List<RouteConfig> earlier, RouteMatch later) {
        for (int i = 0; i < earlier.size(); i++) {
            if (covers(earlier.get(i).match(), later)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether every request {@code b} matches is also matched by {@code a}. */
    static boolean covers(RouteMatch a, RouteMatch b) {
        return hostCovers(a.host(), b.host())
                && pathCovers(a.path(), b.path())
                && (a.methods().isEmpty() || (!b.methods().isEmpty() && a.methods().containsAll(b.methods())))
                && fieldsCover(a.headers(), b.headers())
                && fieldsCover(a.query(), b.query())
                && sourceCovers(a.source(), b.source());
    }

    private static boolean hostCovers(String a, String b) {
        if (a == null) {
            return true;
        }
        if (b == null) {
            return false;
        }
        if (a.startsWith("*.")) {
            String suffix = a.substring(1);
            // *.example.com covers www.example.com and *.a.example.com, not example.com.
            return b.endsWith(suffix) && b.length() > suffix.length();
        }
        return a.equals(b);
    }

    private static boolean pathCovers(RouteMatch.PathMatch a, RouteMatch.PathMatch b) {
        if (a == null) {
            return true;
        }
        if (b == null) {
            return false;
        }
        return switch (a.kind()) {
            case EXACT -> b.kind() == RouteMatch.PathMatch.Kind.EXACT && a.value().equals(b.value());
            case PREFIX -> b.kind() != RouteMatch.PathMatch.Kind.REGEX ? b.value().startsWith(a.value())
                    : literalStart(b.value()).startsWith(a.value());
            case REGEX -> b.kind() == RouteMatch.PathMatch.Kind.REGEX && a.value().equals(b.value());
        };
    }

    /**
     * The literal text every match of an anchored regex starts with: {@code ^/api/v[0-9]}
     * gives {@code /api/v}; empty when the regex is not anchored or starts with a metacharacter.
     */
    static String literalStart(String regex) {
        // Path regexes match the whole path, so an unanchored one is anchored too.
        int i = regex.startsWith("^") ? 1 : 0;
        StringBuilder literal = new StringBuilder();
        for (; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if ("\\[](){}.*+?^$|".indexOf(c) >= 0) {
                // A quantifier makes the character before it optional.
                if ((c == '*' || c == '?' || c == '{') && literal.length() > 0) {
                    literal.setLength(literal.length() - 1);
                }
                break;
            }
            literal.append(c);
        }
        return literal.toString();
    }

    /** Every condition of {@code a} is one of {@code b}'s, or a presence test of a name {@code b} tests. */
    private static boolean fieldsCover(List<RouteMatch.FieldMatch> a, List<RouteMatch.FieldMatch> b) {
        for (RouteMatch.FieldMatch f : a) {
            boolean implied = false;
            for (RouteMatch.FieldMatch g : b) {
                if (g.name().equals(f.name())
                        && (f.equals(g) || (f.equals() == null && f.regex() == null))) {
                    implied = true;
                    break;
                }
            }
            if (!implied) {
                return false;
            }
        }
        return true;
    }

    private static boolean sourceCovers(List<CidrRange> a, List<CidrRange> b) {
        if (a.isEmpty()) {
            return true;
        }
        if (b.isEmpty()) {
            return false;
        }
        for (CidrRange range : b) {
            boolean inside = false;
            for (CidrRange outer : a) {
                if (outer.network().length == range.network().length && outer.prefix() <= range.prefix()
                        && outer.contains(range.network())) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                return false;
            }
        }
        return true;
    }
}
