package io.tandem.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a Tandem YAML file into a validated {@link TandemConfig}. Every problem
 * of the file is collected, sorted by position, and thrown together in one
 * {@link ConfigException}; {@code tandem check} and {@code tandem run} print
 * the same list. Stateless; safe from any thread.
 *
 * <p>Each top-level key has its reader: {@link ListenerSections},
 * {@link PoolSections}, {@link CacheSections}, {@link FailoverSections} and
 * {@link AnnounceSections}, with {@link RouteSections}, {@link TlsSections},
 * {@link DnsSections}, {@link Http2Sections} and {@link TcpSections} for
 * their parts. The binder here reads the file in order and checks what spans
 * sections (names a section refers to, binds that overlap).
 */
public final class ConfigLoader {

    /** What names of listeners, pools, caches and nodes may hold: they appear in URLs and metric labels. */
    static final String NAME_CHARS = "[A-Za-z0-9._-]+";

    private ConfigLoader() {}

    /** Reads {@code file} with the process environment for {@code ${NAME}} substitution. */
    public static TandemConfig load(Path file) throws ConfigException {
        return load(file, System::getenv);
    }

    /** Reads {@code file}; {@code env} answers {@code ${NAME}} references (null when unset). */
    public static TandemConfig load(Path file, Function<String, String> env) throws ConfigException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ConfigException(List.of(new Problem(null, null, name
                    + ": cannot read: is a directory; expected a YAML file")));
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": no such file")));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(List.of(new Problem(null, null, name + ": cannot read: " + describe(e))));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, name, env, dir == null ? Path.of("").toAbsolutePath() : dir, new HashSet<>());
    }

    /**
     * Parses {@code text} with the process environment; {@code file} names it in
     * problems, and relative file paths in it resolve against the working directory.
     */
    public static TandemConfig parse(String text, String file) throws ConfigException {
        return parse(text, file, System::getenv);
    }

    /** Parses {@code text}; {@code env} answers {@code ${NAME}} references (null when unset). */
    public static TandemConfig parse(String text, String file, Function<String, String> env) throws ConfigException {
        return parse(text, file, env, Path.of("").toAbsolutePath(), new HashSet<>());
    }

    /** The full parse; {@code keysRead} collects the registry paths the binder asked for (for tests). */
    static TandemConfig parse(String text, String file, Function<String, String> env, Path baseDir,
                              Set<String> keysRead) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        YamlNode root = new YamlTreeReader(file, problems, env).read(text);
        if (root == null) {
            if (problems.isEmpty()) {
                problems.add(new Problem(new Mark(file, 1, 1), "", "the file is empty; expected at least "
                        + "'listeners' and 'pools'"));
            }
            throw new ConfigException(problems);
        }
        Section top = Section.root(root, new Section.Context(problems, baseDir, keysRead));
        TandemConfig config = top == null ? null : new Binder(file).bind(top);
        if (!problems.isEmpty()) {
            List<Problem> sorted = new ArrayList<>(problems);
            sorted.sort(Comparator.comparing((Problem p) -> p.mark() == null ? 0 : p.mark().line())
                    .thenComparing(p -> p.mark() == null ? 0 : p.mark().column()));
            throw new ConfigException(sorted);
        }
        return config;
    }

    /** Reads a small file named by {@code key}; null (with a problem) when it cannot be read. */
    static String readFile(Section s, String key, String file, String expected) {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            s.problem(key, "cannot read " + file + ": is a directory; " + expected);
            return null;
        }
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            s.problem(key, "cannot read " + file + ": " + describe(e) + "; " + expected);
            return null;
        }
    }

    /** An I/O failure as a short phrase ("permission denied"), without Java class names. */
    static String describe(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : Units.lower(message);
    }

    /** Cookie names (RFC 6265 tokens) or {@code *}; each bad one is reported at its item. */
    static List<String> cookieNames(Section s, String key) {
        List<String> names = s.strings(key);
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals("*") && !names.get(i).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                s.itemProblem(key, i, "'" + names.get(i) + "' is not a cookie name");
            }
        }
        return names;
    }

    /** Binds the sections of one file to records and checks what spans sections; one instance per parse. */
    private static final class Binder {

        private final String file;
        private final List<Problem> warnings = new ArrayList<>();
        /** Names of the pools the file defines, or null when {@code pools} itself is broken. */
        private Set<String> poolNames;
        /** Names of the caches the file defines, or null when {@code caches} is absent or broken. */
        private Set<String> cacheNames;

        Binder(String file) {
            this.file = file;
        }

        TandemConfig bind(Section top) {
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            Map<String, Section> poolSectionsByName = new HashMap<>();
            List<Section> poolSections = top.named("pools");
            poolNames = top.names("pools");
            for (Section p : poolSections) {
                pools.put(p.name(), PoolSections.pool(p));
                poolSectionsByName.put(p.name(), p);
            }
            Map<String, CacheConfig> caches = new LinkedHashMap<>();
            cacheNames = top.names("caches");
            for (Section c : top.named("caches")) {
                caches.put(c.name(), CacheSections.cache(c));
            }
            List<ListenerConfig> listeners = new ArrayList<>();
            List<Section> listenerSections = top.list("listeners");
            ListenerSections listenerReader = new ListenerSections(this::checkPoolReference, this::checkCacheReference,
                    warnings);
            for (Section l : listenerSections) {
                listeners.add(listenerReader.listener(l));
            }
            Section adminSection = top.section("admin");
            AdminConfig admin = admin(adminSection);
            ListenerSections.checkListeners(listenerSections, listeners, adminSection, admin);
            TcpSections.checkPools(listeners, poolSectionsByName, pools);
            Section failoverSection = top.has("failover") ? top.section("failover") : null;
            Optional<FailoverConfig> failover = failoverSection != null
                    ? Optional.of(FailoverSections.failover(failoverSection)) : Optional.empty();
            Duration shutdownTimeout = top.duration("shutdown-timeout");
            Optional<AnnounceConfig> announce = AnnounceSections.announce(top, failoverSection, failover);
            return new TandemConfig(file, listeners, admin, pools, failover, shutdownTimeout, warnings, announce,
                    DnsSections.resolvers(top), caches);
        }

        /** A cache named by a listener or route ({@code off} is a route's way to say none). */
        private void checkCacheReference(Section s, String key, String cache) {
            if (cache == null || RouteConfig.NO_CACHE.equals(cache)
                    || (cacheNames != null && cacheNames.contains(cache))) {
                return;
            }
            if (cacheNames == null || cacheNames.isEmpty()) {
                s.problem(key, "no cache named '" + cache + "': the file has no caches section");
                return;
            }
            String hint = Suggestions.closest(cache, cacheNames);
            s.problem(key, "no cache named '" + cache + "'" + (hint != null ? "; did you mean '" + hint + "'?"
                    : "; caches are " + String.join(", ", cacheNames.stream().sorted().toList())));
        }

        private void checkPoolReference(Section s, String key, String pool) {
            if (pool == null || poolNames == null || poolNames.contains(pool)) {
                return;
            }
            String hint = Suggestions.closest(pool, poolNames);
            s.problem(key, "no pool named '" + pool + "'" + (hint != null ? "; did you mean '" + hint + "'?"
                    : "; pools are " + String.join(", ", poolNames.stream().sorted().toList())));
        }

        private AdminConfig admin(Section s) {
            HostPort bind = s.address("bind");
            String tokenFile = s.file("token-file");
            if (tokenFile != null) {
                String token = readFile(s, "token-file", tokenFile,
                        "expected a file holding the admin bearer token (e.g. openssl rand -hex 32)");
                if (token != null && token.isBlank()) {
                    s.problem("token-file", tokenFile + " is empty; expected a file holding the admin bearer token "
                            + "(e.g. openssl rand -hex 32)");
                }
            }
            return new AdminConfig(bind, tokenFile);
        }
    }
}
