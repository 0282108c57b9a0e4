package io.tandem.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One YAML map of the config read against its {@link Shape}: typed getters
 * that apply the registered default and range and record a {@link Problem}
 * instead of throwing, so binding goes on and every problem of the file is
 * reported at once. Keys the shape does not know are reported when the
 * section is opened. Asking for a key the shape does not register is a bug
 * in the loader and throws {@link IllegalStateException}. Sections live for
 * one parse on one thread.
 */
final class Section {

    /** What one parse shares between its sections. */
    record Context(List<Problem> problems, Path baseDir, Set<String> keysRead) {}

    private final YamlNode.MapNode node;
    private final Mark mark;
    private final String path;
    private final String shapePath;
    private final Shape shape;
    private final Context context;
    private final String name;
    private final int index;

    private Section(YamlNode.MapNode node, Mark mark, String path, String shapePath, Shape shape, Context context,
                    String name, int index) {
        this.node = node;
        this.mark = mark;
        this.path = path;
        this.shapePath = shapePath;
        this.shape = shape;
        this.context = context;
        this.name = name;
        this.index = index;
    }

    /** The root section, or null (with a problem) when the document is not a map. */
    static Section root(YamlNode root, Context context) {
        return open(root, "", "", ConfigKeys.ROOT, context, null, -1, null);
    }

    /**
     * Opens {@code value} as a map, or reports what it is instead and returns null.
     * {@code at} overrides the section's position: a nested map or a pool is
     * where its key is written, so "needs a peer" points at {@code failover:}.
     */
    private static Section open(YamlNode value, String path, String shapePath, Shape shape, Context context,
                                String name, int index, Mark at) {
        if (value instanceof YamlNode.MapNode) {
            Section s = new Section((YamlNode.MapNode) value, at == null ? value.mark() : at, path, shapePath, shape,
                    context, name, index);
            s.rejectUnknownKeys();
            return s;
        }
        if (!(value instanceof YamlNode.Invalid)) {
            context.problems().add(new Problem(value.mark(), path, "expected " + expectedMap(shape)
                    + ", found " + value.kind()));
        }
        return null;
    }

    private static String expectedMap(Shape shape) {
        List<String> keys = new ArrayList<>(shape.slots().keySet());
        String some = String.join(", ", keys.subList(0, Math.min(3, keys.size()))) + (keys.size() > 3 ? ", ..." : "");
        return "a map of " + shape.noun() + " keys (" + some + ")";
    }

    /** The dotted key path of this map, e.g. {@code pools.web.health}; empty for the root. */
    String path() {
        return path;
    }

    /**
     * Where this map's key is written (a nested map, a pool) or where a list
     * item starts; for an absent map, where its parent's key is.
     */
    Mark mark() {
        return mark;
    }

    /** The user's name of an entry of a named map (a pool's name); null otherwise. */
    String name() {
        return name;
    }

    /** The position of a list item (0-based); -1 for maps that are not list items. */
    int index() {
        return index;
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Whether the file sets {@code key} here (to anything, even nothing). */
    boolean has(String key) {
        slot(key);
        return node != null && node.entries().containsKey(key);
    }

    /** The position of {@code key}'s value, or of this map when the key is absent. */
    Mark valueMark(String key) {
        YamlNode.Entry e = node == null ? null : node.entries().get(key);
        return e == null ? mark : e.value().mark();
    }

    /** Records a problem with {@code key}'s value (or with this map when {@code key} is null). */
    void problem(String key, String message) {
        context.problems().add(new Problem(key == null ? mark : valueMark(key), key == null ? path : child(key),
                message));
    }

    /** A nested map; an empty section (all defaults) when the key is absent or holds something else. */
    Section section(String key) {
        Shape.Nested slot = slot(key, Shape.Nested.class);
        YamlNode n = raw(key);
        Section s = n == null || isNull(n) ? null
                : open(n, child(key), shapeChild(key), slot.shape(), context, null, -1,
                        node.entries().get(key).keyMark());
        return s != null ? s : new Section(null, mark, child(key), shapeChild(key), slot.shape(), context,
                null, -1);
    }

    /** The maps of a list; items that are not maps are reported and left out. */
    List<Section> list(String key) {
        Shape.ListOf slot = slot(key, Shape.ListOf.class);
        List<YamlNode> items = items(key, slot.required(), slot.minItems(), slot.shape().noun());
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Section s = open(items.get(i), child(key) + "[" + i + "]", shapeChild(key) + "[]", slot.shape(), context,
                    null, i, null);
            if (s != null) {
                sections.add(s);
            }
        }
        return sections;
    }

    /** Every name of a map of user-chosen names, broken entries included; null when the key holds no map. */
    Set<String> names(String key) {
        slot(key, Shape.NamedMapOf.class);
        YamlNode n = raw(key);
        return n instanceof YamlNode.MapNode ? Set.copyOf(((YamlNode.MapNode) n).entries().keySet()) : null;
    }

    /** The entries of a map of user-chosen names (pools), in file order; entries that are not maps are reported. */
    List<Section> named(String key) {
        Shape.NamedMapOf slot = slot(key, Shape.NamedMapOf.class);
        YamlNode n = raw(key);
        if (n == null || isNull(n)) {
            if (slot.required()) {
                context.problems().add(new Problem(valueMark(key), child(key), "is required"));
            }
            return List.of();
        }
        if (!(n instanceof YamlNode.MapNode)) {
            if (!(n instanceof YamlNode.Invalid)) {
                context.problems().add(new Problem(n.mark(), child(key), "expected a map of " + slot.shape().noun()
                        + " names to " + slot.shape().noun() + "s, found " + n.kind()));
            }
            return List.of();
        }
        Map<String, YamlNode.Entry> entries = ((YamlNode.MapNode) n).entries();
        if (entries.size() < slot.minItems()) {
            context.problems().add(new Problem(n.mark(), child(key), "needs at least one " + slot.shape().noun()));
        }
        List<Section> sections = new ArrayList<>();
        for (Map.Entry<String, YamlNode.Entry> e : entries.entrySet()) {
            Section s = open(e.getValue().value(), child(key) + "." + e.getKey(), shapeChild(key) + ".NAME",
                    slot.shape(), context, e.getKey(), -1, e.getValue().keyMark());
            if (s != null) {
                sections.add(s);
            }
        }
        return sections;
    }

    String string(String key) {
        Shape.Value v = value(key, Shape.Kind.STRING);
        String text = text(key, v);
        return text == null ? (String) v.dflt() : text;
    }

    /** A file path, resolved against the config file's directory when relative; null when not set. */
    String file(String key) {
        Shape.Value v = value(key, Shape.Kind.FILE);
        String text = text(key, v);
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            problem(key, "is empty; expected a file path");
            return null;
        }
        try {
            return context.baseDir().resolve(text).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            problem(key, "'" + text + "' is not a file path");
            return null;
        }
    }

    int integer(String key) {
        Shape.Value v = value(key, Shape.Kind.INTEGER);
        String text = text(key, v);
        int dflt = v.dflt() == null ? 0 : (Integer) v.dflt();
        if (text == null) {
            return dflt;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            problem(key, "'" + text + "' is not a whole number; expected " + v.min() + "-" + v.max());
            return dflt;
        }
        if (value < v.min() || value > v.max()) {
            problem(key, value + " is out of range; expected " + v.min() + "-" + v.max());
            return dflt;
        }
        return (int) value;
    }

    boolean bool(String key) {
        Shape.Value v = value(key, Shape.Kind.BOOLEAN);
        String text = text(key, v);
        if (text == null) {
            return (Boolean) v.dflt();
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        problem(key, "'" + text + "' is not a boolean; expected true or false");
        return (Boolean) v.dflt();
    }

    /** A duration; null when absent and the key has no default. */
    Duration duration(String key) {
        Shape.Value v = value(key, Shape.Kind.DURATION);
        Duration d = parse(key, v, Units::parseDuration);
        if (d == null || d == v.dflt()) {
            return d;
        }
        if (d.toMillis() < v.min()) {
            problem(key, v.min() == 1 ? "must be greater than 0"
                    : Units.format(d) + " is too short; expected at least " + Units.format(Duration.ofMillis(v.min())));
            return (Duration) v.dflt();
        }
        return d;
    }

    long size(String key) {
        Shape.Value v = value(key, Shape.Kind.SIZE);
        Long bytes = parse(key, v, Units::parseSize);
        if (bytes < v.min() || bytes > v.max()) {
            problem(key, Units.formatSize(bytes) + " is out of range; expected " + Units.formatSize(v.min()) + " to "
                    + Units.formatSize(v.max()));
            return (Long) v.dflt();
        }
        return bytes;
    }

    HostPort address(String key) {
        return parse(key, value(key, Shape.Kind.ADDRESS), HostPort::parse);
    }

    StatusRanges statusRanges(String key) {
        return parse(key, value(key, Shape.Kind.STATUS_RANGES), StatusRanges::parse);
    }

    HashOn hashOn(String key) {
        return parse(key, value(key, Shape.Kind.HASH_ON), HashOn::parse);
    }

    /**
     * A list of address ranges; each bad item is reported at its own position
     * ({@code from[1]}) and left out. Empty when the key is absent. Whether the
     * list is required and may be empty depends on other keys, so the caller says.
     */
    List<CidrRange> cidrs(String key, boolean required, int minItems) {
        value(key, Shape.Kind.CIDR_LIST);
        List<CidrRange> ranges = new ArrayList<>();
        List<YamlNode> items = items(key, required, minItems, "address range");
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            if (item instanceof YamlNode.Invalid) {
                continue;
            }
            String at = child(key) + "[" + i + "]";
            if (!(item instanceof YamlNode.Scalar) || ((YamlNode.Scalar) item).text() == null) {
                // An unquoted IPv6 range in a flow list ([fd00::/8]) reads as a map: say how to write it.
                context.problems().add(new Problem(item.mark(), at, "expected an address range such as "
                        + "10.0.0.0/8, found " + item.kind() + (item instanceof YamlNode.MapNode
                        ? "; quote IPv6 ranges ('fd00::/8')" : "")));
                continue;
            }
            try {
                ranges.add(CidrRange.parse(((YamlNode.Scalar) item).text()));
            } catch (IllegalArgumentException e) {
                context.problems().add(new Problem(item.mark(), at, e.getMessage()));
            }
        }
        return ranges;
    }

    /**
     * A list of words; each item that is not a word is reported at its own
     * position and left out. Empty when the key is absent.
     */
    List<String> strings(String key) {
        value(key, Shape.Kind.STRING_LIST);
        List<String> words = new ArrayList<>();
        List<YamlNode> items = items(key, false, 1, "value");
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            if (item instanceof YamlNode.Invalid) {
                continue;
            }
            if (!(item instanceof YamlNode.Scalar) || ((YamlNode.Scalar) item).text() == null) {
                context.problems().add(new Problem(item.mark(), child(key) + "[" + i + "]", "expected a value, found "
                        + item.kind()));
                continue;
            }
            words.add(((YamlNode.Scalar) item).text());
        }
        return words;
    }

    /** The position of item {@code i} of the list {@code key}, for a problem with one item. */
    Mark itemMark(String key, int i) {
        YamlNode n = raw(key);
        if (n instanceof YamlNode.ListNode && i < ((YamlNode.ListNode) n).items().size()) {
            return ((YamlNode.ListNode) n).items().get(i).mark();
        }
        return valueMark(key);
    }

    /** Records a problem with item {@code i} of the list {@code key}. */
    void itemProblem(String key, int i, String message) {
        context.problems().add(new Problem(itemMark(key, i), child(key) + "[" + i + "]", message));
    }

    /** One of the registered words of a choice, exactly as registered. */
    String choice(String key) {
        Shape.Value v = value(key, Shape.Kind.CHOICE);
        String text = text(key, v);
        if (text == null) {
            return (String) v.dflt();
        }
        if (v.choices().contains(text)) {
            return text;
        }
        String hint = v.choices().stream().filter(c -> c.equalsIgnoreCase(text)).findFirst()
                .orElse(Suggestions.closest(text, v.choices()));
        problem(key, "'" + text + "' is not " + v.noun() + "; " + (hint != null ? "did you mean '" + hint + "'? " : "")
                + expected(v.choices()));
        return (String) v.dflt();
    }

    private static String expected(List<String> choices) {
        if (choices.size() == 2) {
            return "expected " + choices.get(0) + " or " + choices.get(1);
        }
        return "expected one of " + String.join(", ", choices);
    }

    @SuppressWarnings("unchecked")
    private <T> T parse(String key, Shape.Value v, Function<String, T> parser) {
        String text = text(key, v);
        if (text == null) {
            return (T) v.dflt();
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            problem(key, e.getMessage());
            return (T) v.dflt();
        }
    }

    /** The scalar text of {@code key}, or null when absent, null, or already reported as invalid. */
    private String text(String key, Shape.Value v) {
        YamlNode n = raw(key);
        if (n == null || isNull(n)) {
            if (v.required()) {
                context.problems().add(new Problem(n == null ? mark : n.mark(), child(key),
                        n == null ? "is required" : "needs a value"));
            }
            return null;
        }
        if (n instanceof YamlNode.Invalid) {
            return null;
        }
        if (!(n instanceof YamlNode.Scalar)) {
            context.problems().add(new Problem(n.mark(), child(key), "expected a value, found " + n.kind()));
            return null;
        }
        return ((YamlNode.Scalar) n).text();
    }

    private List<YamlNode> items(String key, boolean required, int minItems, String noun) {
        YamlNode n = raw(key);
        if (n == null || isNull(n)) {
            if (required) {
                context.problems().add(new Problem(n == null ? mark : n.mark(), child(key), "is required"));
            }
            return List.of();
        }
        if (n instanceof YamlNode.ListNode) {
            List<YamlNode> items = ((YamlNode.ListNode) n).items();
            if (items.size() < minItems) {
                context.problems().add(new Problem(n.mark(), child(key), "needs at least one " + noun));
            }
            return items;
        }
        if (!(n instanceof YamlNode.Invalid)) {
            context.problems().add(new Problem(n.mark(), child(key), "expected a list of " + noun + "s, found "
                    + n.kind()));
        }
        return List.of();
    }

    private YamlNode raw(String key) {
        YamlNode.Entry e = node == null ? null : node.entries().get(key);
        return e == null ? null : e.value();
    }

    private static boolean isNull(YamlNode n) {
        return n instanceof YamlNode.Scalar && ((YamlNode.Scalar) n).text() == null;
    }

    private Shape.Value value(String key, Shape.Kind kind) {
        Shape.Value v = slot(key, Shape.Value.class);
        if (v.kind() != kind) {
            throw new IllegalStateException(shapePath + "." + key + " is registered as " + v.kind() + ", read as "
                    + kind);
        }
        return v;
    }

    private <S extends Shape.Slot> S slot(String key, Class<S> type) {
        Shape.Slot slot = slot(key);
        if (!type.isInstance(slot)) {
            throw new IllegalStateException(shapeChild(key) + " is registered as " + slot + ", read as " + type);
        }
        return type.cast(slot);
    }

    private Shape.Slot slot(String key) {
        Shape.Slot slot = shape.slot(key);
        if (slot == null) {
            throw new IllegalStateException("the loader reads " + shapeChild(key) + ", which ConfigKeys does not "
                    + "register");
        }
        context.keysRead().add(shapeChild(key));
        return slot;
    }

    private String shapeChild(String key) {
        return shapePath.isEmpty() ? key : shapePath + "." + key;
    }

    /** Reports every key of this map that the shape does not register. */
    private void rejectUnknownKeys() {
        Set<String> known = shape.slots().keySet();
        for (Map.Entry<String, YamlNode.Entry> e : node.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                String hint = Suggestions.closest(e.getKey(), known);
                context.problems().add(new Problem(e.getValue().keyMark(), child(e.getKey()),
                        "unknown key" + (hint == null
                                ? "; expected one of " + known.stream().sorted().collect(Collectors.joining(", "))
                                : "; did you mean '" + hint + "'?")));
            }
        }
    }
}
