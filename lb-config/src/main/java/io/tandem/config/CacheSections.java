package io.tandem.config;

import java.util.ArrayList;
import java.util.List;

/** A section of {@code caches}: its memory, object and time limits, and its shared memcached tier. */
final class CacheSections {

    private CacheSections() {}

    static CacheConfig cache(Section s) {
        if (!s.name().matches(ConfigLoader.NAME_CHARS) || RouteConfig.NO_CACHE.equals(s.name())) {
            s.problem(null, "'" + s.name() + "' is not a valid cache name; expected letters, digits, '.', '_' "
                    + "and '-' (and not 'off')");
        }
        long memory = s.size("memory");
        long maxObject = s.size("max-object");
        if (maxObject > memory / 4) {
            s.problem("max-object", "is more than a quarter of memory (" + memory + " bytes): one object "
                    + "would push most others out; raise memory or lower max-object");
        }
        return new CacheConfig(s.name(), memory, maxObject, s.duration("default-ttl"), s.duration("grace"),
                s.duration("stale-if-error"), ConfigLoader.cookieNames(s, "ignore-cookies"), s.bool("x-cache"),
                s.duration("coalesce-wait"), s.duration("hit-for-miss"), s.bool("esi"),
                memcached(s.section("shared")));
    }

    /** The memcached servers of a cache's shared tier, each {@code host:port}. */
    private static List<HostPort> memcached(Section s) {
        List<HostPort> servers = new ArrayList<>();
        List<String> items = s.strings("memcached");
        for (int i = 0; i < items.size(); i++) {
            try {
                servers.add(HostPort.parse(items.get(i)));
            } catch (IllegalArgumentException e) {
                s.itemProblem("memcached", i, e.getMessage());
            }
        }
        if (s.has("memcached") && items.isEmpty()) {
            s.problem("memcached", "needs at least one server, e.g. [10.0.0.31:11211]");
        }
        return servers;
    }
}
