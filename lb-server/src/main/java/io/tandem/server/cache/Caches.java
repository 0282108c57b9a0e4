package io.tandem.server.cache;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.tandem.config.CacheConfig;
import io.tandem.config.HostPort;
import java.util.List;
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
    private final EventLoopGroup loops;
    private final Class<? extends Channel> channelClass;
    private volatile Map<String, HttpCache> byName = Map.of();
    /** The memcached servers each cache's shared tier was made for. */
    private final Map<String, List<HostPort>> sharedServers = new java.util.HashMap<>();

    /**
     * @param loops        the event loops the shared tiers' memcached connections run on
     * @param channelClass the socket channel of their transport
     */
    public Caches(MeterRegistry registry, LongSupplier clock, LongSupplier wallClock, EventLoopGroup loops,
                  Class<? extends Channel> channelClass) {
        this.registry = registry;
        this.clock = clock;
        this.wallClock = wallClock;
        this.loops = loops;
        this.channelClass = channelClass;
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
            CacheConfig config = configs.get(c.name());
            c.reconfigure(config);
            c.adminToken(adminToken);
            if (!config.memcached().equals(sharedServers.get(c.name()))) {
                sharedServers.put(c.name(), config.memcached());
                c.shared(config.memcached().isEmpty() ? null
                        : new SharedTier(c.name(), config.memcached(), loops, channelClass, c::applyShared));
            }
        }
        for (HttpCache c : byName.values()) {
            if (prepared.get(c.name()) != c) {
                c.clear();
                sharedServers.remove(c.name());
            }
        }
        byName = prepared;
    }

    /** Closes the shared tiers' memcached clients (the daemon stops). */
    public synchronized void close() {
        for (HttpCache c : byName.values()) {
            c.shared(null);
        }
    }

    /** The caches in force, by name. */
    public Map<String, HttpCache> all() {
        return byName;
    }
}
