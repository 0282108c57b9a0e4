package io.tandem.config;

import java.time.Duration;
import java.util.List;

/**
 * One named HTTP cache of {@code caches:}, used by listeners and routes that
 * name it. Off by default: nothing is cached unless a listener or route says
 * {@code cache: NAME}.
 *
 * @param name          the key under {@code caches}
 * @param memory        the most bytes the store holds (bodies and heads); W-TinyLFU decides what stays
 * @param maxObject     a response with a larger body is passed on and not stored
 * @param defaultTtl    how long a response without freshness information is fresh; zero: not stored
 * @param grace         how long a stale object is still served while one background fetch refreshes it,
 *                      when the response gives no {@code stale-while-revalidate}
 * @param staleIfError  how long a stale object is served when the backends fail, when the response gives
 *                      no {@code stale-if-error}
 * @param ignoreCookies cookie names that do not make a request pass the cache ({@code *}: every cookie);
 *                      they are removed from requests the cache looks up
 * @param xCache        whether answers carry {@code X-Cache: HIT|MISS|STALE|PASS}
 * @param coalesceWait  how long a request waits for another request's fetch of the same object before it
 *                      goes to the backend itself
 * @param hitForMiss    how long an uncacheable answer makes its URL bypass coalescing (Varnish: 120 s)
 * @param esi           process ESI in every answer of this cache's routes (without it, only in answers with
 *                      {@code Surrogate-Control: content="ESI/1.0"})
 * @param memcached     the memcached servers of the shared tier (ketama over them); empty for none
 */
public record CacheConfig(String name, long memory, long maxObject, Duration defaultTtl, Duration grace,
                          Duration staleIfError, List<String> ignoreCookies, boolean xCache, Duration coalesceWait,
                          Duration hitForMiss, boolean esi, List<HostPort> memcached) {

    public CacheConfig {
        ignoreCookies = List.copyOf(ignoreCookies);
        memcached = List.copyOf(memcached);
    }

    /** A cache without a shared tier, as before it existed. */
    public CacheConfig(String name, long memory, long maxObject, Duration defaultTtl, Duration grace,
                       Duration staleIfError, List<String> ignoreCookies, boolean xCache, Duration coalesceWait,
                       Duration hitForMiss, boolean esi) {
        this(name, memory, maxObject, defaultTtl, grace, staleIfError, ignoreCookies, xCache, coalesceWait,
                hitForMiss, esi, List.of());
    }

    /** A cache without ESI of its own, as before ESI existed. */
    public CacheConfig(String name, long memory, long maxObject, Duration defaultTtl, Duration grace,
                       Duration staleIfError, List<String> ignoreCookies, boolean xCache, Duration coalesceWait,
                       Duration hitForMiss) {
        this(name, memory, maxObject, defaultTtl, grace, staleIfError, ignoreCookies, xCache, coalesceWait,
                hitForMiss, false);
    }

    /** A cache with the defaults of {@link Defaults}. */
    public static CacheConfig defaults(String name) {
        return new CacheConfig(name, Defaults.CACHE_MEMORY, Defaults.CACHE_MAX_OBJECT, Defaults.CACHE_DEFAULT_TTL,
                Defaults.CACHE_GRACE, Defaults.CACHE_STALE_IF_ERROR, List.of(), true, Defaults.CACHE_COALESCE_WAIT,
                Defaults.CACHE_HIT_FOR_MISS);
    }
}
