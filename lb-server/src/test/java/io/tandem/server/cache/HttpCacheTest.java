package io.tandem.server.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.tandem.config.CacheConfig;
import io.tandem.core.cache.Freshness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store with a pinned clock: lookup by variant, expiry, the memory bound, bans, purges and body references. */
class HttpCacheTest {

    private static final long S = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * S);
    private final List<ByteBuf> bodies = new ArrayList<>();
    private final HttpCache cache = cache(CacheConfig.defaults("t"));

    private HttpCache cache(CacheConfig config) {
        return new HttpCache(config, clock::get, () -> 1_800_000_000_000L,
                new CacheMeters(new SimpleMeterRegistry(), config.name()));
    }

    private CachedObject object(String body, long ttlSeconds, List<String> varyNames, List<String> varyValues,
                                List<String> tags) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(body.getBytes(StandardCharsets.UTF_8));
        bodies.add(b);
        return new CachedObject(200, new DefaultHttpHeaders(), new byte[0], new byte[0], b,
                new Freshness(ttlSeconds * S, 0, 0, 0, false), clock.get(), null, null, varyNames, varyValues, tags);
    }

    private CachedObject object(String body, long ttlSeconds) {
        return object(body, ttlSeconds, List.of(), List.of(), List.of());
    }

    private static String body(CachedObject o) {
        return o.body().toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void noLeaks() {
        cache.clear();
        for (ByteBuf b : bodies) {
            assertThat(b.refCnt()).as("a body still referenced").isZero();
        }
    }

    // A stored object is found, retained for the caller; another URL is not.
    @Test
    void storesAndFinds() {
        cache.store("h/a", object("A", 60));
        CachedObject found = cache.lookup("h/a", name -> null);
        assertThat(body(found)).isEqualTo("A");
        found.release();
        assertThat(cache.lookup("h/b", name -> null)).isNull();
        assertThat(cache.objects()).isEqualTo(1);
    }

    // Variants: each combination of the Vary headers is its own object; a new one for a combination replaces it.
    @Test
    void variants() {
        cache.store("h/v", object("en", 60, List.of("accept-language"), List.of("en"), List.of()));
        cache.store("h/v", object("de", 60, List.of("accept-language"), List.of("de"), List.of()));
        cache.store("h/v", object("en2", 60, List.of("accept-language"), List.of("en"), List.of()));
        CachedObject en = cache.lookup("h/v", Map.of("accept-language", "en")::get);
        CachedObject de = cache.lookup("h/v", Map.of("accept-language", "de")::get);
        assertThat(body(en)).isEqualTo("en2");
        assertThat(body(de)).isEqualTo("de");
        assertThat(cache.lookup("h/v", Map.of("accept-language", "fr")::get)).isNull();
        en.release();
        de.release();
        // The replaced "en" was released with the Variants that held it.
        assertThat(bodies.get(0).refCnt()).isZero();
    }

    // An object leaves the store at the end of its usable life on the cache clock.
    @Test
    void expiresOnTheClock() {
        cache.store("h/e", object("E", 5));
        clock.addAndGet(4 * S);
        CachedObject o = cache.lookup("h/e", n -> null);
        assertThat(o).isNotNull();
        o.release();
        clock.addAndGet(2 * S);
        assertThat(cache.lookup("h/e", n -> null)).isNull();
    }

    // A hit that holds an object keeps its body alive after a purge; the body goes with the last reference.
    @Test
    void purgeWhileServing() {
        cache.store("h/p", object("P", 60));
        CachedObject serving = cache.lookup("h/p", n -> null);
        assertThat(cache.purge("h/p")).isTrue();
        assertThat(cache.purge("h/p")).isFalse();
        assertThat(serving.body().refCnt()).isEqualTo(1);
        assertThat(serving.tryRetain()).isTrue();
        serving.release();
        serving.release();
        assertThat(serving.tryRetain()).isFalse();
    }

    // Bans by prefix, regex and tag remove exactly the URLs they match.
    @Test
    void bans() {
        cache.store("h/news/1", object("1", 60));
        cache.store("h/news/2", object("2", 60, List.of(), List.of(), List.of("red")));
        cache.store("h/docs/a.pdf", object("pdf", 60, List.of(), List.of(), List.of("red", "blue")));
        cache.store("h/other", object("o", 60));
        assertThat(cache.banTag("blue")).isEqualTo(1);
        assertThat(cache.banRegex(Pattern.compile("\\.pdf$"))).isZero();
        assertThat(cache.banPrefix("h/news/")).isEqualTo(2);
        assertThat(cache.objects()).isEqualTo(1);
        assertThat(cache.meters().purgeCount()).isEqualTo(3);
    }

    // The memory bound holds: storing past it evicts, and evictions are counted and release their bodies.
    @Test
    void memoryBound() {
        HttpCache small = cache(new CacheConfig("small", 1L << 20, 256 << 10, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, List.of(), true, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        String big = "x".repeat(200 << 10);
        for (int i = 0; i < 20; i++) {
            small.store("h/" + i, object(big, 60));
        }
        small.cleanUp();
        assertThat(small.bytes()).isLessThanOrEqualTo(1L << 20);
        assertThat(small.meters().evictionCount()).isGreaterThanOrEqualTo(15);
        small.clear();
    }

    // Hit-for-miss marks last their time on the cache clock; one fetch per key is in flight.
    @Test
    void hitForMissAndFetches() {
        cache.markHitForMiss("h/x");
        assertThat(cache.hitForMiss("h/x")).isTrue();
        clock.addAndGet(121 * S);
        assertThat(cache.hitForMiss("h/x")).isFalse();
        InFlight first = cache.beginFetch("h/y");
        assertThat(first).isNotNull();
        assertThat(cache.beginFetch("h/y")).isNull();
        List<Boolean> woken = new ArrayList<>();
        assertThat(cache.inFlight("h/y").await(woken::add)).isTrue();
        cache.endFetch("h/y", first, true);
        assertThat(woken).containsExactly(true);
        assertThat(first.await(woken::add)).isFalse();
        assertThat(cache.beginFetch("h/y")).isNotNull();
    }

    // Keys: lowercase host without port, then the request-target.
    @Test
    void keys() {
        assertThat(HttpCache.key("WWW.Example.com:8080", "/a?b=1")).isEqualTo("www.example.com/a?b=1");
        assertThat(HttpCache.key("[::1]:80", "/")).isEqualTo("[::1]/");
        assertThat(HttpCache.key("[::1]", "/")).isEqualTo("[::1]/");
    }
}
