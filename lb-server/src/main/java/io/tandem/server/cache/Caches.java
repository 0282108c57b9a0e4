package io.tandem.server.cache;

import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.config.CacheConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The node's caches by name. A reload keeps a cache whose name stays, with
 * what it stores and its meters, and applies its new settings; a cache that
 * leaves the config is emptied. {@link #prepare} makes the caches a new
 * config names before anything is committed, {@link #commit} applies it.
 * Changed on the control thread (start, reload); read by any thread through
 * one volatile map.
 */
public final class Caches {

    private final MeterRegistry registry;
    private final LongSupplier clock;
    private final LongSupplier wallClock;
    private volatile Map<String, HttpCache> byName = Map.of();

    public Caches(MeterRegistry registry, LongSupplier clock, LongSupplier wallClock) {
        this.registry = registry;
        this.clock = clock;
        this.wallClock = wallClock;
    }

    /** The caches {@code configs} names: the running ones it keeps, new ones for the rest. */
    public synchronized Map<String, HttpCache> prepare(Map<String, CacheConfig> configs) {
        Map<String, HttpCache> next = new LinkedHashMap<>();
        for (CacheConfig c : configs.values()) {
            HttpCache running = byName.get(c.name());
            next.put(c.name(), running != null ? running
                    : new HttpCache(c, clock, wallClock, new CacheMeters(registry, c.name())));
        }
        return Collections.unmodifiableMap(next);
    }

    /**
     * Makes {@code prepared} (from {@link #prepare} with {@code configs}) the
     * node's caches: kept ones take their new settings, dropped ones are emptied.
     *
     * @param adminToken checks an {@code Authorization} value for PURGE; null when no admin token is set
     */
    public synchronized void commit(Map<String, CacheConfig> configs, Map<String, HttpCache> prepared,
                                    Predicate<String> adminToken) {
        for (HttpCache c : prepared.values()) {
            c.reconfigure(configs.get(c.name()));
            c.adminToken(adminToken);
        }
        for (HttpCache c : byName.values()) {
            if (prepared.get(c.name()) != c) {
                c.clear();
            }
        }
        byName = prepared;
    }

    /** The caches in force, by name. */
    public Map<String, HttpCache> all() {
        return byName;
    }
}
