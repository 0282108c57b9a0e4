package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the loader, docs/tandem.schema.json and docs/configuration.md in step
 * with {@link ConfigKeys}, the one list of keys: every registered key is read,
 * the schema has exactly the registered keys with their types, ranges, choices
 * and defaults, and the reference documents each with the same type and default.
 */
class FormatInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @TempDir
    Path dir;

    // A file that sets every section makes the loader ask for every registered key, and for no other.
    @Test
    void loaderReadsExactlyTheRegisteredKeys() throws Exception {
        String yaml = EveryKey.yaml(dir);
        Set<String> read = new HashSet<>();
        ConfigLoader.parse(yaml, "t.yaml", Map.<String, String>of()::get, dir, read);
        // The two failover modes exclude each other: the announce section's keys come from a second file.
        ConfigLoader.parse(EveryKey.announceYaml(), "a.yaml", Map.<String, String>of()::get, dir, read);
        assertThat(read).containsExactlyInAnyOrderElementsOf(KeyPaths.all().keySet());
    }

    // The JSON Schema has exactly the registered keys, each with the registered type, range, choices and default.
    @Test
    void schemaMatchesTheRegistry() throws Exception {
        JsonNode schema = new ObjectMapper().readTree(DOCS.resolve("tandem.schema.json").toFile());
        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        List<String> differences = new ArrayList<>();
        compareObject(ConfigKeys.ROOT, schema, "", schema, differences);
        assertThat(differences).isEmpty();
    }

    private static void compareObject(Shape shape, JsonNode object, String path, JsonNode root, List<String> out) {
        String where = path.isEmpty() ? "(top level)" : path;
        if (!object.path("type").asText().equals("object") || !object.path("additionalProperties").isBoolean()
                || object.path("additionalProperties").asBoolean()) {
            out.add(where + ": expected type object with additionalProperties false");
        }
        Set<String> schemaKeys = new LinkedHashSet<>();
        object.path("properties").fieldNames().forEachRemaining(schemaKeys::add);
        for (String key : shape.slots().keySet()) {
            if (!schemaKeys.contains(key)) {
                out.add(where + ": the loader accepts '" + key + "', the schema does not");
            }
        }
        for (String key : schemaKeys) {
            if (shape.slot(key) == null) {
                out.add(where + ": the schema has '" + key + "', the loader does not accept it");
            }
        }
        Set<String> required = new LinkedHashSet<>();
        object.path("required").forEach(n -> required.add(n.asText()));
        Set<String> registeredRequired = new LinkedHashSet<>();
        shape.slots().forEach((k, s) -> {
            if (s.required()) {
                registeredRequired.add(k);
            }
        });
        if (!required.equals(registeredRequired)) {
            out.add(where + ": schema requires " + required + ", the loader " + registeredRequired);
        }
        for (Map.Entry<String, Shape.Slot> e : shape.slots().entrySet()) {
            JsonNode property = object.path("properties").path(e.getKey());
            if (property.isMissingNode()) {
                continue;
            }
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            Shape.Slot slot = e.getValue();
            if (slot instanceof Shape.Value) {
                compareValue((Shape.Value) slot, property, p, root, out);
            } else if (slot instanceof Shape.Nested) {
                compareObject(((Shape.Nested) slot).shape(), property, p, root, out);
            } else if (slot instanceof Shape.ListOf) {
                Shape.ListOf list = (Shape.ListOf) slot;
                if (!property.path("type").asText().equals("array")
                        || property.path("minItems").asInt(0) != list.minItems()) {
                    out.add(p + ": expected an array with minItems " + list.minItems());
                }
                compareObject(list.shape(), property.path("items"), p + "[]", root, out);
            } else {
                Shape.NamedMapOf named = (Shape.NamedMapOf) slot;
                if (property.path("minProperties").asInt(0) != named.minItems()) {
                    out.add(p + ": expected minProperties " + named.minItems());
                }
                compareObject(named.shape(), property.path("additionalProperties"), p + ".NAME", root, out);
            }
            if (!property.path("description").isTextual()) {
                out.add(p + ": no description");
            }
        }
    }

    private static void compareValue(Shape.Value v, JsonNode property, String path, JsonNode root,
                                     List<String> out) {
        switch (v.kind()) {
            case INTEGER: {
                JsonNode integer = alternative(property, "integer");
                if (integer == null || integer.path("minimum").asLong() != v.min()
                        || integer.path("maximum").asLong() != v.max()) {
                    out.add(path + ": expected an integer " + v.min() + "-" + v.max());
                }
                break;
            }
            case BOOLEAN:
                if (alternative(property, "boolean") == null) {
                    out.add(path + ": expected a boolean");
                }
                break;
            case CHOICE: {
                List<String> choices = new ArrayList<>();
                property.path("anyOf").forEach(a -> a.path("enum").forEach(c -> choices.add(c.asText())));
                if (!choices.equals(v.choices())) {
                    out.add(path + ": schema choices " + choices + ", the loader's " + v.choices());
                }
                break;
            }
            case STRING:
                if (!property.path("type").asText().equals("string")) {
                    out.add(path + ": expected type string");
                }
                break;
            default: {
                String ref = "#/$defs/" + v.kind().docName();
                if (!property.path("$ref").asText().equals(ref) || root.path("$defs").path(v.kind().docName())
                        .isMissingNode()) {
                    out.add(path + ": expected $ref " + ref);
                }
            }
        }
        JsonNode dflt = property.path("default");
        if (v.dflt() == null) {
            if (!dflt.isMissingNode()) {
                out.add(path + ": the schema has default " + dflt + ", the loader none");
            }
        } else {
            String expected = v.defaultText();
            String actual = dflt.isMissingNode() ? null : dflt.asText();
            boolean typed = v.kind() == Shape.Kind.INTEGER ? dflt.isInt() : v.kind() != Shape.Kind.BOOLEAN
                    || dflt.isBoolean();
            if (!expected.equals(actual) || !typed) {
                out.add(path + ": the schema has default " + dflt + ", the loader " + expected);
            }
        }
    }

    /** The {@code anyOf} alternative (or the property itself) of a JSON type. */
    private static JsonNode alternative(JsonNode property, String type) {
        if (property.path("type").asText().equals(type)) {
            return property;
        }
        return StreamSupport.stream(property.path("anyOf").spliterator(), false)
                .filter(a -> a.path("type").asText().equals(type)).findFirst().orElse(null);
    }

    // The schema's patterns accept exactly what the loader's parsers accept, for samples of each format.
    @Test
    void schemaPatternsAgreeWithTheParsers() throws Exception {
        JsonNode defs = new ObjectMapper().readTree(DOCS.resolve("tandem.schema.json").toFile()).path("$defs");
        List<String> differences = new ArrayList<>();
        agree(defs.path("duration"), Units::parseDuration, differences,
                "250ms", "2s", "1m", "1h", "0s", "2", "1.5s", "2 s", "2S", "ms", "");
        agree(defs.path("size"), Units::parseSize, differences,
                "512B", "64KiB", "1MiB", "2GiB", "8KB", "64", "64k", "1.5MiB", "KiB");
        agree(defs.path("address"), HostPort::parse, differences,
                "10.0.0.11:80", "[::1]:8080", "*:80", "web-1.internal:8080", "10.0.0.11", "::1:8080", "host:",
                ":80", "host:http", "a b:80");
        agree(defs.path("hash-on"), HashOn::parse, differences,
                "source-ip", "header:X-User", "cookie:sid", "header:", "ip", "cookie");
        agree(defs.path("status-ranges"), StatusRanges::parse, differences,
                "200-399", "200,204", "200-299, 301", "2xx", "200-", "200;204");
        agree(defs.path("cidr-list").path("items"), CidrRange::parse, differences,
                "10.0.0.0/8", "127.0.0.1/32", "::1/128", "fd00::/8", "10.0.0.1", "fd00::", "host/8", "10.0.0.0/x");
        Pattern env = Pattern.compile(defs.path("env").path("pattern").asText());
        assertThat(env.matcher("${HOST}").find()).isTrue();
        assertThat(env.matcher("x${PORT:-80}").find()).isTrue();
        assertThat(env.matcher("$HOST").find()).isFalse();
        assertThat(differences).isEmpty();
    }

    /** Checks that a string matches the def's own pattern exactly when {@code parser} accepts it. */
    private static void agree(JsonNode def, Consumer<String> parser, List<String> out, String... samples) {
        List<Pattern> patterns = new ArrayList<>();
        def.path("anyOf").forEach(a -> {
            if (a.has("pattern") && !a.path("pattern").asText().contains("\\$\\{")) {
                patterns.add(Pattern.compile(a.path("pattern").asText()));
            }
        });
        assertThat(patterns).as("patterns of " + def).isNotEmpty();
        for (String sample : samples) {
            boolean matches = patterns.stream().anyMatch(p -> p.matcher(sample).find());
            boolean parses;
            try {
                parser.accept(sample);
                parses = true;
            } catch (IllegalArgumentException e) {
                parses = false;
            }
            if (matches != parses) {
                out.add("'" + sample + "': schema " + (matches ? "accepts" : "refuses") + ", loader "
                        + (parses ? "accepts" : "refuses"));
            }
        }
    }

    // docs/configuration.md has a row for every registered key, and only those, with its type and default.
    @Test
    void referenceDocumentsEveryKey() throws Exception {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DOCS.resolve("configuration.md"))) {
            if (line.startsWith("| `")) {
                String[] cells = line.substring(1, line.length() - 1).split("(?<!\\\\)\\|");
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i].trim();
                }
                rows.put(cells[0].replace("`", ""), cells);
            }
        }
        Map<String, Shape.Slot> keys = KeyPaths.all();
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(keys.keySet());
        List<String> differences = new ArrayList<>();
        keys.forEach((path, slot) -> {
            String[] row = rows.get(path);
            if (!row[1].equals(KeyPaths.docType(slot))) {
                differences.add(path + ": type '" + row[1] + "', registered " + KeyPaths.docType(slot));
            }
            String dflt = slot instanceof Shape.Value ? ((Shape.Value) slot).defaultText() : null;
            String expected = slot.required() ? "required" : dflt != null ? "`" + dflt + "`" : null;
            if (expected != null ? !row[2].equals(expected) : row[2].startsWith("`") || row[2].equals("required")) {
                differences.add(path + ": default '" + row[2] + "', registered " + (expected == null ? "none"
                        : expected));
            }
            if (row.length < 5 || row[3].isEmpty() || row[4].isEmpty()) {
                differences.add(path + ": needs an example and a description");
            }
        });
        assertThat(differences).isEmpty();
    }
}
