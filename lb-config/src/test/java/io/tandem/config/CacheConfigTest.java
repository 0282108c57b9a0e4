package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The caches section and the cache keys of listeners and routes: values, defaults, every problem at its place. */
class CacheConfigTest {

    // Every key of a cache is read; a listener's and a route's cache and cookie list too.
    @Test
    void readsCachesAndReferences() throws Exception {
        TandemConfig c = parse(
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    cache: pages",
                "    routes: [ { path-prefix: /api/, pool: web, cache: 'off' },",
                "              { path-prefix: /s/, pool: web, cache-ignore-cookies: ['*'] } ]",
                "caches:",
                "  pages: { memory: 64MiB, max-object: 1MiB, default-ttl: 10s, grace: 5s, stale-if-error: 1h,",
                "           ignore-cookies: [_ga], x-cache: false, coalesce-wait: 5s, hit-for-miss: 1m,",
                "           esi: true }",
                "  other: {}",
                "pools:",
                "  web: { backends: [ { address: 127.0.0.1:9000 } ] }");
        assertThat(c.caches().get("pages")).isEqualTo(new CacheConfig("pages", 64L << 20, 1L << 20,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofHours(1), List.of("_ga"), false,
                Duration.ofSeconds(5), Duration.ofMinutes(1), true));
        assertThat(c.caches().get("other")).isEqualTo(CacheConfig.defaults("other"));
        ListenerConfig l = c.listeners().get(0);
        assertThat(l.cache()).isEqualTo("pages");
        assertThat(l.routes().get(0).cache()).isEqualTo(RouteConfig.NO_CACHE);
        assertThat(l.routes().get(1).cache()).isNull();
        assertThat(l.routes().get(1).cacheIgnoreCookies()).isEqualTo(Optional.of(List.of("*")));
    }

    // Unknown cache names, 'off' on a listener, a too large max-object, a bad cookie name and a cache on a
    // redirect route are each reported at their key.
    @Test
    void everyProblemAtItsPlace() {
        assertThat(problems(
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    cache: pagez",
                "    routes: [ { path-prefix: /a/, pool: web, cache: nope },",
                "              { path-prefix: /b/, redirect: { location: /x }, cache: pages } ]",
                "  - { name: other, bind: 127.0.0.1:8081, pool: web, cache: 'off' }",
                "caches:",
                "  pages: { memory: 4MiB, max-object: 2MiB, ignore-cookies: ['a b'] }",
                "pools:",
                "  web: { backends: [ { address: 127.0.0.1:9000 } ] }"))
                .isEqualTo(String.join("\n",
                        "t.yaml:5:12: listeners[0].cache: no cache named 'pagez'; did you mean 'pages'?",
                        "t.yaml:6:53: listeners[0].routes[0].cache: no cache named 'nope'; caches are pages",
                        "t.yaml:7:70: listeners[0].routes[1].cache: only applies to a route with a pool (redirect "
                                + "and respond answer without a backend)",
                        "t.yaml:8:60: listeners[1].cache: 'off' only applies to a route (a listener without a cache "
                                + "has no cache key)",
                        "t.yaml:10:38: caches.pages.max-object: is more than a quarter of memory (4194304 bytes): "
                                + "one object would push most others out; raise memory or lower max-object",
                        "t.yaml:10:61: caches.pages.ignore-cookies[0]: 'a b' is not a cookie name"));
    }

    // A cache named by a file without a caches section says so.
    @Test
    void noCachesSection() {
        assertThat(problems(
                "listeners: [ { name: web, bind: 127.0.0.1:8080, pool: web, cache: pages } ]",
                "pools:",
                "  web: { backends: [ { address: 127.0.0.1:9000 } ] }"))
                .isEqualTo("t.yaml:1:67: listeners[0].cache: no cache named 'pages': the file has no caches "
                        + "section");
    }
}
