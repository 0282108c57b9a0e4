package io.tandem.server;

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
 * Keeps lb-server's packages acyclic (docs/architecture.md, "Package
 * dependencies"). The top-level package holds two kinds of class: the
 * composition root ({@link #ROOT}: the CLI and the server that builds and
 * wires everything), which may use every package and which nothing else may
 * use; and small shared types (Transport, Version, FailoverStatus...), which
 * any package may use and which use no server package. So the graph has the
 * root and the shared types as two nodes; with the sub-packages it must have
 * no cycle. Reads the sources under src/main/java, imports and fully
 * qualified names alike.
 */
class PackageDependenciesTest {

    private static final String SERVER = "io.tandem.server";
    /** The composition root: builds and wires the node; no other package may know it. */
    private static final Set<String> ROOT = Set.of("Main", "TandemServer", "PairMember", "AnnounceMember", "WarmPath", "ConfigWatcher",
            "ReloadCommand",
            "SignalControl", "TlsContexts", "TicketKeyWatch", "CommandHelp", "Listeners", "BoundListener",
            "PoolBuilder", "Membership", "ClientDrain", "SlowStartTicker", "OldGenGovernor");
    private static final String ROOT_NODE = SERVER + " (root)";
    private static final String SHARED_NODE = SERVER + " (shared types)";
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a class of an io.tandem package: an import or a qualified name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.tandem(?:\\.[a-z]\\w*)+)\\.([A-Z]\\w*)");
    private static final Pattern ROOT_NAME = Pattern.compile("\\b(" + String.join("|", ROOT) + ")\\b");

    @Test
    void adminDoesNotKnowTheServer() {
        Map<String, Set<String>> graph = dependencies();
        assertThat(graph.get(SERVER + ".admin")).isNotEmpty().doesNotContain(ROOT_NODE);
        assertThat(graph.get(ROOT_NODE)).contains(SERVER + ".admin");
    }

    @Test
    void sharedTypesUseNoServerPackage() {
        assertThat(dependencies().getOrDefault(SHARED_NODE, Set.of()))
                .as("top-level classes that use a server package belong to ROOT")
                .noneMatch(p -> p.startsWith(SERVER));
    }

    @Test
    void packagesHaveNoCycle() {
        Map<String, Set<String>> graph = dependencies();
        assertThat(graph).containsKeys(ROOT_NODE, SHARED_NODE, SERVER + ".admin", SERVER + ".proxy");
        assertThat(cycle(graph)).as("a package cycle").isEmpty();
    }

    /** Each node (a package; the top-level one split in two) and the io.tandem nodes its sources refer to. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String text = read(f);
                Matcher p = PACKAGE.matcher(text);
                assertThat(p.find()).as("package line of %s", f).isTrue();
                String self = node(p.group(1), f.getFileName().toString().replace(".java", ""));
                Set<String> uses = graph.computeIfAbsent(self, k -> new TreeSet<>());
                Matcher r = REFERENCE.matcher(text);
                while (r.find()) {
                    uses.add(node(r.group(1), r.group(2)));
                }
                if (self.equals(SHARED_NODE) && ROOT_NAME.matcher(text).find()) {
                    uses.add(ROOT_NODE); // same package: no import to see
                }
                uses.remove(self);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    private static String node(String pkg, String type) {
        if (!pkg.equals(SERVER)) {
            return pkg;
        }
        return ROOT.contains(type) ? ROOT_NODE : SHARED_NODE;
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

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
