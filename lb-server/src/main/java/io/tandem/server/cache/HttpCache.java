package io.tandem.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.tandem.config.CacheConfig;
import io.tandem.core.cache.CacheDefaults;
import io.tandem.core.cache.RequestRules;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One cache of {@code caches:}: the store of responses by URL, bounded in
 * bytes, the fetches in flight that requests for the same URL wait for, and
 * the hit-for-miss marks of URLs whose last answer was not cacheable.
 *
 * <p>The store is Caffeine's: W-TinyLFU admission and eviction by weight (the
 * bytes of each URL's {@link Variants}), with a per-entry expiry at the end of
 * the longest usable life of its variants, read from the cache clock. Its
 * maintenance and removal listener run on the calling thread (an event loop or
 * the admin thread), so a removed entry's bodies are released at once.
 *
 * <p>Keys are {@code host + request-target} ({@code example.com/a?b=1}), the
 * URL the client asked for, lowercase host without its port.
 *
 * <p>Shared by every event loop and the admin thread; thread-safe. The
 * settings a reload may change are one volatile {@link Settings}.
 */
public final class HttpCache {

    /** How long an object that can be revalidated is kept past its usable life. */
    static final long KEEP_NANOS = 120_000_000_000L;

    /** What a reload may change without emptying the cache. */
    public record Settings(CacheConfig config, CacheDefaults defaults, RequestRules.CookieFilter cookies) {
        static Settings of(CacheConfig c) {
            return new Settings(c, new CacheDefaults(c.defaultTtl().toNanos(), c.grace().toNanos(),
                    c.staleIfError().toNanos()), new RequestRules.CookieFilter(c.ignoreCookies()));
        }
    }

    private final String name;
    private final LongSupplier clock;
    private final LongSupplier wallClock;
    private final Cache<String, Variants> store;
    private final Cache<String, Long> hitForMiss;
    private final ConcurrentHashMap<String, InFlight> fetches = new ConcurrentHashMap<>();
    private final CacheMeters meters;
    private volatile Settings settings;
    /** The memcached tier, or null without one. */
    private volatile SharedTier shared;
    /** Bans of the last hour (wall clock), so that an older object read from memcached is not brought back. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Ban> recentBans =
            new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** A ban record as the shared tier carries it, with when this node learned of it. */
    private record Ban(long wall, String kind, String value, Pattern regex) {
        boolean matches(String key, CachedObject o) {
            return switch (kind) {
                case "purge" -> key.equals(value);
                case "prefix" -> key.startsWith(value);
                case "regex" -> regex.matcher(key).find();
                case "tag" -> o.tags().contains(value);
                default -> false;
            };
        }
    }
    /** Answers whether an {@code Authorization} value carries the admin token; null when none is set. */
    private volatile Predicate<String> adminToken;

    /**
     * @param clock     nanoseconds, for lifetimes and ages ({@code System::nanoTime} in the daemon)
     * @param wallClock epoch milliseconds, for {@code Expires} and {@code Date}
     */
    public HttpCache(CacheConfig config, LongSupplier clock, LongSupplier wallClock, CacheMeters meters) {
        this.name = config.name();
        this.clock = clock;
        this.wallClock = wallClock;
        this.meters = meters;
        this.settings = Settings.of(config);
        this.store = Caffeine.newBuilder()
                .maximumWeight(config.memory())
                .weigher((String k, Variants v) -> (int) Math.min(Integer.MAX_VALUE, v.weight()))
                .expireAfter(new Expiry<String, Variants>() {
                    @Override
                    public long expireAfterCreate(String key, Variants value, long currentTime) {
                        return value.retention(currentTime, KEEP_NANOS);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Variants value, long currentTime,
                                                  long currentDuration) {
                        return value.retention(currentTime, KEEP_NANOS);
                    }

                    @Override
                    public long expireAfterRead(String key, Variants value, long currentTime,
                                                long currentDuration) {
                        return currentDuration;
                    }
                })
                .ticker(clock::getAsLong)
                .executor(Runnable::run)
                .removalListener((String key, Variants value, RemovalCause cause) -> {
                    if (value != null) {
                        value.release();
                    }
                    if (cause == RemovalCause.SIZE) {
                        meters.evicted();
                    } else if (cause == RemovalCause.EXPIRED) {
                        meters.expired();
                    }
                })
                .build();
        this.hitForMiss = Caffeine.newBuilder().maximumSize(65_536).ticker(clock::getAsLong)
                .executor(Runnable::run).build();
        meters.watch(this);
    }

    public String name() {
        return name;
    }

    public Settings settings() {
        return settings;
    }

    public CacheMeters meters() {
        return meters;
    }

    /** The cache clock, nanoseconds. */
    public long now() {
        return clock.getAsLong();
    }

    /** Epoch milliseconds. */
    public long wallNow() {
        return wallClock.getAsLong();
    }

    /** A reload changed this cache's settings: the stored objects stay, the memory bound follows. */
    public void reconfigure(CacheConfig config) {
        settings = Settings.of(config);
        store.policy().eviction().ifPresent(e -> e.setMaximum(config.memory()));
    }

    /** The admin token's check for {@code PURGE} on listeners; null when no token is set. */
    public void adminToken(Predicate<String> check) {
        this.adminToken = check;
    }

    /**
     * Whether a {@code PURGE} request may remove an object: with the admin
     * token when one is set, else only from a loopback client.
     */
    public boolean purgeAllowed(String authorization, boolean loopback) {
        Predicate<String> check = adminToken;
        return check == null ? loopback : authorization != null && check.test(authorization);
    }

    /** The key of a request: lowercase host without port, and the request-target. */
    public static String key(String host, String target) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        return h + target;
    }

    /**
     * The stored variant of {@code key} that {@code header} (request headers
     * by lowercase name) selects, retained for the caller, who releases it;
     * null when there is none.
     */
    public CachedObject lookup(String key, Function<String, String> header) {
        Variants v = store.getIfPresent(key);
        if (v == null) {
            return null;
        }
        CachedObject o = v.match(header);
        return o != null && o.tryRetain() ? o : null;
    }

    /** Stores {@code object} under {@code key} (its reference passes to the store). */
    public void store(String key, CachedObject object) {
        SharedTier tier = shared;
        if (tier != null) {
            // Written before the store owns it: an eviction could release the body at once.
            tier.put(key, object, wallClock.getAsLong(), clock.getAsLong());
        }
        storeHere(key, object);
    }

    /** Stores {@code object} in this node's store only (it came from the shared tier). */
    public void storeHere(String key, CachedObject object) {
        store.asMap().compute(key, (k, old) -> old == null ? Variants.of(object) : old.with(object));
        hitForMiss.invalidate(key);
        meters.stored();
    }

    /** The shared tier, or null. */
    public SharedTier shared() {
        return shared;
    }

    /** Makes {@code tier} this cache's shared tier (null: none), closing the one before. */
    public void shared(SharedTier tier) {
        SharedTier before = shared;
        shared = tier;
        if (before != null && before != tier) {
            before.close();
        }
    }

    /** Whether a ban this node learned of after {@code storedWall} removes {@code o} (read from the shared tier). */
    public boolean bannedSince(String key, CachedObject o, long storedWall) {
        for (Ban b : recentBans) {
            if (b.wall() >= storedWall && b.matches(key, o)) {
                return true;
            }
        }
        return false;
    }

    /** Applies a ban record from the shared tier (any node's, this one's too) to this node's store. */
    public void applyShared(String record) {
        int space = record.indexOf(' ');
        if (space < 0) {
            return;
        }
        String kind = record.substring(0, space);
        String value = record.substring(space + 1);
        Pattern regex = null;
        if (kind.equals("regex")) {
            try {
                regex = Pattern.compile(value);
            } catch (java.util.regex.PatternSyntaxException e) {
                return;
            }
        }
        Ban ban = new Ban(wallClock.getAsLong(), kind, value, regex);
        recentBans.addFirst(ban);
        while (recentBans.size() > 1000
                || (recentBans.peekLast() != null && ban.wall() - recentBans.peekLast().wall() > 3_600_000L)) {
            recentBans.pollLast();
        }
        switch (kind) {
            case "purge" -> removeHere(value);
            case "prefix" -> ban(k -> k.startsWith(value), null);
            case "regex" -> ban(k -> ban.regex().matcher(k).find(), null);
            case "tag" -> banTagHere(value);
            default -> { }
        }
    }

    private void publish(String record, String deleteKey) {
        SharedTier tier = shared;
        if (tier != null) {
            if (deleteKey != null) {
                tier.delete(deleteKey);
            }
            tier.publish(record);
        }
    }

    /** Removes every variant of {@code key}; false when nothing was stored. */
    public boolean purge(String key) {
        publish("purge " + key, key);
        return removeHere(key);
    }

    private boolean removeHere(String key) {
        boolean removed = store.asMap().remove(key) != null;
        if (removed) {
            meters.purged(1);
        }
        return removed;
    }

    /** Removes every URL whose key starts with {@code prefix}; how many. */
    public int banPrefix(String prefix) {
        return ban(k -> k.startsWith(prefix), "prefix " + prefix);
    }

    /** Removes every URL whose key {@code regex} finds a match in; how many. */
    public int banRegex(Pattern regex) {
        return ban(k -> regex.matcher(k).find(), "regex " + regex.pattern());
    }

    /** Removes every variant tagged {@code tag} (Cache-Tag or xkey); how many URLs lost one. */
    public int banTag(String tag) {
        publish("tag " + tag, null);
        return banTagHere(tag);
    }

    private int banTagHere(String tag) {
        int n = 0;
        for (String key : store.asMap().keySet()) {
            boolean[] hit = {false};
            store.asMap().computeIfPresent(key, (k, v) -> {
                if (!v.any(o -> o.tags().contains(tag))) {
                    return v;
                }
                hit[0] = true;
                return v.without(o -> o.tags().contains(tag));
            });
            if (hit[0]) {
                n++;
            }
        }
        meters.purged(n);
        return n;
    }

    private int ban(Predicate<String> keyMatches, String record) {
        if (record != null) {
            publish(record, null);
        }
        int n = 0;
        for (String key : store.asMap().keySet()) {
            if (keyMatches.test(key) && store.asMap().remove(key) != null) {
                n++;
            }
        }
        meters.purged(n);
        return n;
    }

    /** Whether the last answer for {@code key} was not cacheable, within the hit-for-miss time. */
    public boolean hitForMiss(String key) {
        Long until = hitForMiss.getIfPresent(key);
        return until != null && until - clock.getAsLong() > 0;
    }

    /** The answer for {@code key} was not cacheable: its requests skip coalescing for a while. */
    public void markHitForMiss(String key) {
        long ttl = settings.config().hitForMiss().toNanos();
        if (ttl > 0) {
            hitForMiss.put(key, clock.getAsLong() + ttl);
        }
    }

    /** Starts the one fetch of {@code key}; null when another is in flight ({@link #inFlight}). */
    public InFlight beginFetch(String key) {
        InFlight f = new InFlight();
        return fetches.putIfAbsent(key, f) == null ? f : null;
    }

    /** The fetch of {@code key} in flight, or null. */
    public InFlight inFlight(String key) {
        return fetches.get(key);
    }

    /** Ends a fetch begun with {@link #beginFetch}: its waiters run. */
    public void endFetch(String key, InFlight fetch, boolean succeeded) {
        fetches.remove(key, fetch);
        fetch.end(succeeded);
    }

    /** URLs stored. */
    public long objects() {
        return store.estimatedSize();
    }

    /** Bytes stored, as the memory bound counts them. */
    public long bytes() {
        return store.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    /** Fetches in flight now. */
    public int fetching() {
        return fetches.size();
    }

    /** Empties the store (the cache left the config). */
    public void clear() {
        shared(null);
        store.invalidateAll();
        store.cleanUp();
        hitForMiss.invalidateAll();
    }

    /** Runs the store's pending maintenance now (expiry, eviction): for tests and /status. */
    public void cleanUp() {
        store.cleanUp();
    }
}
