package io.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps lb-core's packages acyclic (docs/architecture.md, "Package
 * dependencies"): the pool does not know strategies, and no two packages
 * depend on each other through any path. Reads the sources under
 * src/main/java, imports and fully qualified names alike, so a cycle that
 * comes back fails here with the path that closes it.
 */
class PackageDependenciesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a class of another io.tandem package: an import or a qualified name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.tandem(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    @Test
    void poolDoesNotKnowStrategies() {
        assertThat(dependencies().getOrDefault("io.tandem.core.pool", Set.of()))
                .doesNotContain("io.tandem.core.strategy");
    }

    @Test
    void coreUsesNeitherNettyNorTheServer() throws IOException {
        try (Stream<Path> files = javaFiles()) {
            files.forEach(f -> assertThat(read(f)).as(f.toString())
                    .doesNotContain("import io.netty.").doesNotContain("io.tandem.server."));
        }
    }

    @Test
    void packagesHaveNoCycle() {
        Map<String, Set<String>> graph = dependencies();
        assertThat(graph).containsKeys("io.tandem.core.pool", "io.tandem.core.strategy", "io.tandem.core.health");
        assertThat(cycle(graph)).as("a package cycle").isEmpty();
    }

    /** Each lb-core package and the other io.tandem packages its sources refer to. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = javaFiles()) {
            files.forEach(f -> {
                String text = read(f);
                Matcher p = PACKAGE.matcher(text);
                assertThat(p.find()).as("package line of %s", f).isTrue();
                Set<String> uses = graph.computeIfAbsent(p.group(1), k -> new TreeSet<>());
                Matcher r = REFERENCE.matcher(text);
                while (r.find()) {
                    if (!r.group(1).equals(p.group(1))) {
                        uses.add(r.group(1));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** A path a -> ... -> a through the graph, or an empty list when there is none. */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            List<String> found = cycleFrom(start, graph, new ArrayDeque<>(), done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> cycleFrom(String node, Map<String, Set<String>> graph, Deque<String> path,
                                          Set<String> done) {
        if (path.contains(node)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String n : (Iterable<String>) path::descendingIterator) {
                in |= n.equals(node);
                if (in) {
                    cycle.add(n);
                }
            }
            cycle.add(node);
            return cycle;
        }
        if (!done.add(node)) {
            return List.of();
        }
        path.push(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            List<String> found = cycleFrom(next, graph, path, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.pop();
        return List.of();
    }

    private static Stream<Path> javaFiles() throws IOException {
        assertThat(SOURCES).as("run from the lb-core directory (Maven does)").isDirectory();
        return Files.walk(SOURCES).filter(f -> f.toString().endsWith(".java"));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
