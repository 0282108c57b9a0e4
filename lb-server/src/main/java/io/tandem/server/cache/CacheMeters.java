package io.tandem.server.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one cache, made once when the cache is built; a cache kept
 * across reloads keeps them. Counters with the same name and tags are the same
 * counter in the registry. Thread-safe.
 */
public final class CacheMeters {

    /** What the cache did with one request, as X-Cache and the access log say it. */
    public enum Outcome {
        HIT, MISS, STALE, PASS;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final MeterRegistry registry;
    private final String cache;
    private final Counter[] outcomes = new Counter[Outcome.values().length];
    private final LongAdder[] counts = new LongAdder[Outcome.values().length];
    private final Counter coalesced;
    private final Counter evictions;
    private final Counter expirations;
    private final Counter purges;
    private final Counter stores;
    private final LongAdder coalescedCount = new LongAdder();
    private final LongAdder evictionCount = new LongAdder();
    private final LongAdder purgeCount = new LongAdder();

    public CacheMeters(MeterRegistry registry, String cache) {
        this.registry = registry;
        this.cache = cache;
        for (Outcome o : Outcome.values()) {
            outcomes[o.ordinal()] = Counter.builder("tandem_cache_requests_total")
                    .description("Requests of cached routes, by what the cache did: hit, miss, stale, pass")
                    .tags("cache", cache, "outcome", o.label).register(registry);
            counts[o.ordinal()] = new LongAdder();
        }
        coalesced = Counter.builder("tandem_cache_coalesced_total")
                .description("Requests that waited for another request's fetch of the same object")
                .tags("cache", cache).register(registry);
        evictions = Counter.builder("tandem_cache_evictions_total")
                .description("Stored URLs removed, by cause: size (the memory bound) or expired")
                .tags("cache", cache, "cause", "size").register(registry);
        expirations = Counter.builder("tandem_cache_evictions_total")
                .description("Stored URLs removed, by cause: size (the memory bound) or expired")
                .tags("cache", cache, "cause", "expired").register(registry);
        purges = Counter.builder("tandem_cache_purged_total")
                .description("Stored URLs removed by PURGE, purge or ban").tags("cache", cache).register(registry);
        stores = Counter.builder("tandem_cache_stored_total")
                .description("Responses stored (misses and refreshes)").tags("cache", cache).register(registry);
    }

    void watch(HttpCache c) {
        Gauge.builder("tandem_cache_bytes", c, HttpCache::bytes).description("Bytes the cache holds")
                .tags("cache", cache).strongReference(false).register(registry);
        Gauge.builder("tandem_cache_objects", c, HttpCache::objects).description("URLs the cache holds")
                .tags("cache", cache).strongReference(false).register(registry);
    }

    public void outcome(Outcome o) {
        outcomes[o.ordinal()].increment();
        counts[o.ordinal()].increment();
    }

    public long count(Outcome o) {
        return counts[o.ordinal()].sum();
    }

    public void coalesced() {
        coalesced.increment();
        coalescedCount.increment();
    }

    public long coalescedCount() {
        return coalescedCount.sum();
    }

    void evicted() {
        evictions.increment();
        evictionCount.increment();
    }

    void expired() {
        expirations.increment();
    }

    public long evictionCount() {
        return evictionCount.sum();
    }

    void purged(int n) {
        purges.increment(n);
        purgeCount.add(n);
    }

    public long purgeCount() {
        return purgeCount.sum();
    }

    void stored() {
        stores.increment();
    }
}
