package io.tandem.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML text into a {@link YamlNode} tree with positions, using Jackson's
 * streaming YAML parser. Syntax errors and duplicate keys become {@link Problem}s.
 */
final class YamlTreeReader {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final String file;
    private final List<Problem> problems;

    YamlTreeReader(String file, List<Problem> problems) {
        this.file = file;
        this.problems = problems;
    }

    /** Returns the document's root, or null when the text is empty or could not be parsed. */
    YamlNode read(String text) {
        try (Reader reader = new StringReader(text); JsonParser parser = FACTORY.createParser(reader)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            return readValue(parser, "");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            Mark mark = at == null ? new Mark(file, 1, 1) : mark(at);
            problems.add(new Problem(mark, "", "YAML syntax error: " + syntaxMessage(e)));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(new Mark(file, 1, 1), "", "cannot read: " + e.getMessage()));
            return null;
        }
    }

    private YamlNode readValue(JsonParser parser, String path) throws IOException {
        Mark mark = mark(parser.currentTokenLocation());
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Mark keyMark = mark(parser.currentTokenLocation());
                    parser.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    YamlNode value = readValue(parser, childPath);
                    if (entries.containsKey(key)) {
                        problems.add(new Problem(keyMark, childPath, "duplicate key (first at line "
                                + entries.get(key).keyMark().line() + ")"));
                    } else {
                        entries.put(key, new YamlNode.Entry(keyMark, value));
                    }
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
                return new YamlNode.Scalar(mark, parser.getText());
        }
    }

    private Mark mark(JsonLocation location) {
        return new Mark(file, Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
    }

    /** The parser's message without Jackson's location suffix, which we print ourselves. */
    private static String syntaxMessage(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        int cut = message.indexOf("\n at [Source");
        message = cut >= 0 ? message.substring(0, cut) : message;
        return message.replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }
}
