package io.tandem.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A map of the config being bound to a record: typed getters that record a
 * {@link Problem} instead of throwing, and a final check for unknown keys.
 * Getters return the default (or null) when a value is missing or wrong, so
 * binding goes on and every problem of the file is reported at once.
 */
final class Section {

    private final YamlNode.MapNode node;
    private final String path;
    private final List<Problem> problems;
    private final Set<String> known = new HashSet<>();

    private Section(YamlNode.MapNode node, String path, List<Problem> problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** Returns a section for {@code value}, or null (with a problem) when it is not a map. */
    static Section of(YamlNode value, String path, List<Problem> problems) {
        if (value instanceof YamlNode.MapNode) {
            return new Section((YamlNode.MapNode) value, path, problems);
        }
        problems.add(new Problem(value.mark(), path, "expected a map of keys, found " + value.kind()));
        return null;
    }

    String path() {
        return path;
    }

    Mark mark() {
        return node.mark();
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        YamlNode.Entry e = node.entries().get(key);
        problems.add(new Problem(e == null ? node.mark() : e.value().mark(), key == null ? path : child(key), message));
    }

    /** The raw node of {@code key}, or null when absent; marks the key as known. */
    YamlNode node(String key) {
        known.add(key);
        YamlNode.Entry e = node.entries().get(key);
        return e == null ? null : e.value();
    }

    boolean has(String key) {
        known.add(key);
        return node.entries().containsKey(key);
    }

    Section section(String key) {
        YamlNode n = node(key);
        return n == null ? null : of(n, child(key), problems);
    }

    /** The items of a list, or an empty list (with a problem) when {@code key} holds something else. */
    List<YamlNode> list(String key, boolean required) {
        YamlNode n = node(key);
        if (n == null) {
            if (required) {
                problems.add(new Problem(node.mark(), child(key), "is required"));
            }
            return List.of();
        }
        if (n instanceof YamlNode.ListNode) {
            return ((YamlNode.ListNode) n).items();
        }
        problems.add(new Problem(n.mark(), child(key), "expected a list, found " + n.kind()));
        return List.of();
    }

    String string(String key, String dflt, boolean required) {
        YamlNode n = node(key);
        if (n == null || (n instanceof YamlNode.Scalar && ((YamlNode.Scalar) n).text() == null)) {
            if (required) {
                problems.add(new Problem(n == null ? node.mark() : n.mark(), child(key), "is required"));
            }
            return dflt;
        }
        if (!(n instanceof YamlNode.Scalar)) {
            problems.add(new Problem(n.mark(), child(key), "expected a value, found " + n.kind()));
            return dflt;
        }
        return ((YamlNode.Scalar) n).text();
    }

    <T> T parsed(String key, T dflt, boolean required, Function<String, T> parser) {
        String text = string(key, null, required);
        if (text == null) {
            return dflt;
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            problem(key, e.getMessage());
            return dflt;
        }
    }

    Duration duration(String key, Duration dflt) {
        return parsed(key, dflt, false, Units::parseDuration);
    }

    int integer(String key, int dflt, int min, int max) {
        String text = string(key, null, false);
        if (text == null) {
            return dflt;
        }
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            problem(key, "'" + text + "' is not a whole number; expected " + min + "-" + max);
            return dflt;
        }
        if (value < min || value > max) {
            problem(key, value + " is out of range; expected " + min + "-" + max);
            return dflt;
        }
        return value;
    }

    boolean bool(String key, boolean dflt) {
        String text = string(key, null, false);
        if (text == null) {
            return dflt;
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        problem(key, "'" + text + "' is not a boolean; expected true or false");
        return dflt;
    }

    /** Reports every key of this map that no getter asked for. */
    void rejectUnknownKeys() {
        for (Map.Entry<String, YamlNode.Entry> e : node.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                String hint = Suggestions.closest(e.getKey(), known);
                problems.add(new Problem(e.getValue().keyMark(), child(e.getKey()),
                        "unknown key" + (hint == null ? "; expected one of " + String.join(", ", sorted(known))
                                : "; did you mean '" + hint + "'?")));
            }
        }
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().collect(java.util.stream.Collectors.toList());
    }
}
