package io.tandem.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every key of {@link ConfigKeys} by its full path, in reference order:
 * {@code listeners[].bind}, {@code pools.NAME.health.interval}.
 */
final class KeyPaths {

    private KeyPaths() {}

    static Map<String, Shape.Slot> all() {
        Map<String, Shape.Slot> out = new LinkedHashMap<>();
        walk(ConfigKeys.ROOT, "", out);
        return out;
    }

    private static void walk(Shape shape, String prefix, Map<String, Shape.Slot> out) {
        for (Map.Entry<String, Shape.Slot> e : shape.slots().entrySet()) {
            String path = prefix + e.getKey();
            Shape.Slot slot = e.getValue();
            out.put(path, slot);
            if (slot instanceof Shape.Nested) {
                walk(((Shape.Nested) slot).shape(), path + ".", out);
            } else if (slot instanceof Shape.ListOf) {
                walk(((Shape.ListOf) slot).shape(), path + "[].", out);
            } else if (slot instanceof Shape.NamedMapOf) {
                walk(((Shape.NamedMapOf) slot).shape(), path + ".NAME.", out);
            }
        }
    }

    /** The type column of docs/configuration.md for a slot. */
    static String docType(Shape.Slot slot) {
        if (slot instanceof Shape.Value) {
            Shape.Value v = (Shape.Value) slot;
            return v.kind() == Shape.Kind.CHOICE ? String.join(" \\| ", v.choices()) : v.kind().docName();
        }
        if (slot instanceof Shape.Nested) {
            return "map";
        }
        if (slot instanceof Shape.ListOf) {
            return "list of " + ((Shape.ListOf) slot).shape().noun() + "s";
        }
        return "map of " + ((Shape.NamedMapOf) slot).shape().noun() + "s";
    }
}
