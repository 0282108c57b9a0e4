package io.tandem.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a {@link YamlNode} tree with positions, using Jackson's
 * streaming YAML parser, and substitutes environment variables in values.
 * Anchors ({@code &name}), aliases ({@code *name}) and merge keys
 * ({@code <<: *name}) are resolved here, so a pool can reuse another's
 * health section. Syntax errors, duplicate keys, unknown aliases and unset
 * variables become {@link Problem}s.
 * One instance per read; not shared between threads.
 */
final class YamlTreeReader {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final String file;
    private final List<Problem> problems;
    private final Function<String, String> env;
    private final Map<String, YamlNode> anchors = new HashMap<>();
    private String[] lines;

    YamlTreeReader(String file, List<Problem> problems, Function<String, String> env) {
        this.file = file;
        this.problems = problems;
        this.env = env;
    }

    /** Returns the document's root, or null when the text is empty or could not be parsed. */
    YamlNode read(String text) {
        lines = text.split("\r?\n", -1);
        try (Reader reader = new StringReader(text); JsonParser parser = FACTORY.createParser(reader)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            YamlNode root = readValue(parser, "");
            if (parser.nextToken() != null) {
                problems.add(new Problem(mark(parser.currentTokenLocation()), "",
                        "a second YAML document; a config file holds one (remove the ---)"));
            }
            return root;
        } catch (JsonProcessingException e) {
            problems.add(syntaxProblem(e));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(new Mark(file, 1, 1), "", "cannot read: " + e.getMessage()));
            return null;
        }
    }

    private YamlNode readValue(JsonParser parser, String path) throws IOException {
        Mark mark = mark(parser.currentTokenLocation());
        YAMLParser yaml = (YAMLParser) parser;
        if (yaml.isCurrentAlias()) {
            String name = parser.getText();
            YamlNode target = anchors.get(name);
            if (target == null) {
                problems.add(new Problem(mark, path, "*" + name + " refers to no anchor; expected &" + name
                        + " on a value earlier in the file"));
                return new YamlNode.Invalid(mark);
            }
            return target;
        }
        String anchor = yaml.getCurrentAnchor();
        YamlNode node = readNode(parser, path, mark);
        if (anchor != null) {
            anchors.put(anchor, node);
        }
        return node;
    }

    private YamlNode readNode(JsonParser parser, String path, Mark mark) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                List<YamlNode.Entry> merged = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Mark keyMark = mark(parser.currentTokenLocation());
                    parser.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    YamlNode value = readValue(parser, childPath);
                    if (key.equals("<<")) {
                        merge(value, childPath, merged);
                    } else if (entries.containsKey(key)) {
                        problems.add(new Problem(keyMark, childPath, "duplicate key (first at line "
                                + entries.get(key).keyMark().line() + ")"));
                    } else {
                        entries.put(key, new YamlNode.Entry(keyMark, value));
                    }
                }
                for (YamlNode.Entry e : merged) {
                    YamlNode.MapNode from = (YamlNode.MapNode) e.value();
                    from.entries().forEach(entries::putIfAbsent);
                }
                return new YamlNode.MapNode(mark, entries);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser, path + "[" + items.size() + "]"));
                }
                return new YamlNode.ListNode(mark, items);
            }
            case VALUE_NULL:
                return new YamlNode.Scalar(mark, null);
            default:
                if (parser.getText().isEmpty()) {
                    // "key:" followed by nothing reads as an empty string; it means not set, like ~.
                    return new YamlNode.Scalar(mark, null);
                }
                try {
                    return new YamlNode.Scalar(mark, EnvSubstitution.apply(parser.getText(), env));
                } catch (EnvSubstitution.BadReference e) {
                    problems.add(new Problem(within(mark, parser.getText(), e.offset()), path, e.getMessage()));
                    return new YamlNode.Invalid(mark);
                }
        }
    }

    /**
     * A merge key ({@code <<: *defaults} or {@code <<: [ *a, *b ]}): its maps'
     * keys join the map unless the map sets them itself; earlier maps win.
     */
    private void merge(YamlNode value, String path, List<YamlNode.Entry> merged) {
        List<YamlNode> sources = value instanceof YamlNode.ListNode ? ((YamlNode.ListNode) value).items()
                : List.of(value);
        for (YamlNode source : sources) {
            if (source instanceof YamlNode.MapNode) {
                merged.add(new YamlNode.Entry(source.mark(), source));
            } else if (!(source instanceof YamlNode.Invalid)) {
                problems.add(new Problem(source.mark(), path, "<< merges a map or a list of maps, such as "
                        + "<<: *defaults; found " + source.kind()));
            }
        }
    }

    /**
     * The position of character {@code offset} of a scalar that starts at
     * {@code start}: exact when the scalar is written on one line as is (plain
     * or quoted without escapes), else the scalar's start.
     */
    private Mark within(Mark start, String value, int offset) {
        if (start.line() > lines.length) {
            return start;
        }
        String line = lines[start.line() - 1];
        int at = start.column() - 1;
        if (at < line.length() && (line.charAt(at) == '\'' || line.charAt(at) == '"')) {
            at++;
        }
        return line.startsWith(value, at) ? new Mark(file, start.line(), at + offset + 1) : start;
    }

    private Mark mark(JsonLocation location) {
        return new Mark(file, Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
    }

    /**
     * A syntax error at the position SnakeYAML found it (Jackson's own location
     * is where the failing token began, often a line earlier), in one line.
     */
    private Problem syntaxProblem(JsonProcessingException e) {
        Throwable cause = e.getCause();
        if (cause instanceof MarkedYAMLException) {
            MarkedYAMLException y = (MarkedYAMLException) cause;
            org.yaml.snakeyaml.error.Mark at = y.getProblemMark();
            Mark mark = at == null ? new Mark(file, 1, 1) : new Mark(file, at.getLine() + 1, at.getColumn() + 1);
            String problem = y.getProblem() == null ? "" : y.getProblem();
            String message;
            if (problem.contains("\\t(TAB)") || problem.contains("\t")) {
                message = "found a tab; YAML indents with spaces, never tabs";
            } else if ("while scanning an alias".equals(y.getContext())) {
                message = "an unquoted * starts a YAML alias; quote a wildcard address: '*:8080'";
            } else {
                message = oneLine(problem);
                org.yaml.snakeyaml.error.Mark contextAt = y.getContextMark();
                if (y.getContext() != null) {
                    message += " (" + oneLine(y.getContext())
                            + (contextAt == null ? "" : " that starts at line " + (contextAt.getLine() + 1)
                            + ", column " + (contextAt.getColumn() + 1)) + ")";
                }
            }
            return new Problem(mark, "", "YAML syntax error: " + message);
        }
        JsonLocation at = e.getLocation();
        Mark mark = at == null ? new Mark(file, 1, 1) : mark(at);
        String message = e.getOriginalMessage();
        int cut = message.indexOf("\n at [Source");
        return new Problem(mark, "", "YAML syntax error: " + oneLine(cut >= 0 ? message.substring(0, cut) : message));
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }
}
