package io.tandem.core.cache;

/**
 * What a cache's config says where a response says nothing, in nanoseconds.
 *
 * @param defaultTtl   freshness of a response without any (0: such responses are not stored)
 * @param grace        the grace of a response without {@code stale-while-revalidate}
 * @param staleIfError the stale-if-error time of a response without {@code stale-if-error}
 */
public record CacheDefaults(long defaultTtl, long grace, long staleIfError) {}
