package io.tandem.config;

import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers where each node starts, so that
 * every validation problem can point at a line and column.
 */
sealed interface YamlNode {

    Mark mark();

    /** What this node is, as a message names it ("a map", "a list", "a value"). */
    String kind();

    record MapNode(Mark mark, Map<String, Entry> entries) implements YamlNode {
        @Override
        public String kind() {
            return "a map";
        }
    }

    /** A key of a map with the position of the key itself. */
    record Entry(Mark keyMark, YamlNode value) {}

    record ListNode(Mark mark, List<YamlNode> items) implements YamlNode {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar; {@code text} is null for YAML null ({@code ~}, {@code null} or nothing). */
    record Scalar(Mark mark, String text) implements YamlNode {
        @Override
        public String kind() {
            return text == null ? "nothing" : "a value";
        }
    }

    /**
     * A scalar whose problem was already reported while reading (an unset
     * environment variable): binding takes the default and says nothing more.
     */
    record Invalid(Mark mark) implements YamlNode {
        @Override
        public String kind() {
            return "an invalid value";
        }
    }
}
