package io.tandem.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One YAML map of the config format: the keys it accepts, in the order the
 * reference lists them, and what each key holds. {@link ConfigKeys} builds the
 * whole format from shapes; {@link Section} reads a map against its shape, so
 * the unknown-key check, the loader and the tests that keep the JSON Schema and
 * docs/configuration.md in step all read the same list. Immutable once built.
 */
final class Shape {

    private final String noun;
    private final Map<String, Slot> slots;

    private Shape(String noun, Map<String, Slot> slots) {
        this.noun = noun;
        this.slots = Collections.unmodifiableMap(slots);
    }

    /** Starts a shape; {@code noun} names one such map in messages ("listener", "backend"). */
    static Builder of(String noun) {
        return new Builder(noun);
    }

    String noun() {
        return noun;
    }

    /** The keys in reference order. */
    Map<String, Slot> slots() {
        return slots;
    }

    Slot slot(String key) {
        return slots.get(key);
    }

    /** What a key holds: a value, a nested map, a list of maps, or a map of user-named maps. */
    sealed interface Slot permits Value, Nested, ListOf, NamedMapOf {
        boolean required();
    }

    /** The kinds of scalar values, each with one parser and one JSON Schema definition. */
    enum Kind {
        STRING("string"),
        FILE("file"),
        INTEGER("integer"),
        BOOLEAN("boolean"),
        DURATION("duration"),
        SIZE("size"),
        ADDRESS("address"),
        STATUS_RANGES("status-ranges"),
        HASH_ON("hash-on"),
        CHOICE("choice"),
        /** A list of address ranges, the one list of plain values: {@code [10.0.0.0/8, ::1/128]}. */
        CIDR_LIST("cidr-list"),
        /** A list of words, e.g. request methods: {@code [GET, POST]}. */
        STRING_LIST("string-list");

        private final String docName;

        Kind(String docName) {
            this.docName = docName;
        }

        /** The type as docs/configuration.md and the schema's {@code $defs} name it. */
        String docName() {
            return docName;
        }
    }

    /**
     * A scalar.
     *
     * @param dflt    the default as the loader applies it (Integer, Boolean, Duration, Long bytes,
     *                String, StatusRanges or HostPort), or null when there is none or it depends on
     *                other keys
     * @param min     lowest allowed value: integers as is, durations in ms, sizes in bytes
     * @param max     highest allowed value, same units
     * @param choices the accepted words of a {@link Kind#CHOICE}
     * @param noun    what a choice is, for messages ("'x' is not a strategy")
     */
    record Value(Kind kind, boolean required, Object dflt, long min, long max, List<String> choices, String noun)
            implements Slot {

        Value {
            choices = List.copyOf(choices);
        }

        /** The default as the config file would write it, or null. */
        String defaultText() {
            if (dflt == null) {
                return null;
            }
            if (dflt instanceof Duration) {
                return Units.format((Duration) dflt);
            }
            if (kind == Kind.SIZE) {
                return Units.formatSize((Long) dflt);
            }
            return dflt.toString();
        }
    }

    /** A nested map of fixed keys, e.g. {@code timeouts}. */
    record Nested(Shape shape, boolean required) implements Slot {}

    /** A list of maps, e.g. {@code backends}; {@code minItems} is 0 or 1. */
    record ListOf(Shape shape, boolean required, int minItems) implements Slot {}

    /** A map from names the user chooses to maps of one shape, e.g. {@code pools}. */
    record NamedMapOf(Shape shape, boolean required, int minItems) implements Slot {}

    /** Collects the keys of a shape in reference order. */
    static final class Builder {

        private final String noun;
        private final Map<String, Slot> slots = new LinkedHashMap<>();

        private Builder(String noun) {
            this.noun = noun;
        }

        Builder key(String name, Slot slot) {
            if (slots.put(name, slot) != null) {
                throw new IllegalStateException("key " + name + " registered twice in " + noun);
            }
            return this;
        }

        Builder string(String name, boolean required, String dflt) {
            return key(name, new Value(Kind.STRING, required, dflt, 0, 0, List.of(), null));
        }

        Builder file(String name, boolean required) {
            return key(name, new Value(Kind.FILE, required, null, 0, 0, List.of(), null));
        }

        Builder integer(String name, Integer dflt, int min, int max) {
            return key(name, new Value(Kind.INTEGER, false, dflt, min, max, List.of(), null));
        }

        Builder bool(String name, boolean dflt) {
            return key(name, new Value(Kind.BOOLEAN, false, dflt, 0, 0, List.of(), null));
        }

        /** A duration of at least {@code min}; no upper bound. */
        Builder duration(String name, Duration dflt, Duration min) {
            return key(name, new Value(Kind.DURATION, false, dflt, min.toMillis(), Long.MAX_VALUE, List.of(), null));
        }

        Builder size(String name, long dflt, long min, long max) {
            return key(name, new Value(Kind.SIZE, false, dflt, min, max, List.of(), null));
        }

        Builder address(String name, boolean required, HostPort dflt) {
            return key(name, new Value(Kind.ADDRESS, required, dflt, 0, 0, List.of(), null));
        }

        Builder statusRanges(String name, StatusRanges dflt) {
            return key(name, new Value(Kind.STATUS_RANGES, false, dflt, 0, 0, List.of(), null));
        }

        Builder hashOn(String name) {
            return key(name, new Value(Kind.HASH_ON, false, null, 0, 0, List.of(), null));
        }

        Builder choice(String name, String noun, String dflt, List<String> choices) {
            return key(name, new Value(Kind.CHOICE, false, dflt, 0, 0, choices, noun));
        }

        Builder cidrList(String name) {
            return key(name, new Value(Kind.CIDR_LIST, false, null, 0, 0, List.of(), null));
        }

        Builder stringList(String name) {
            return key(name, new Value(Kind.STRING_LIST, false, null, 0, 0, List.of(), null));
        }

        Builder nested(String name, Shape shape) {
            return key(name, new Nested(shape, false));
        }

        Builder listOf(String name, Shape shape, boolean required, int minItems) {
            return key(name, new ListOf(shape, required, minItems));
        }

        Builder namedMapOf(String name, Shape shape, boolean required, int minItems) {
            return key(name, new NamedMapOf(shape, required, minItems));
        }

        Shape build() {
            return new Shape(noun, new LinkedHashMap<>(slots));
        }
    }
}
