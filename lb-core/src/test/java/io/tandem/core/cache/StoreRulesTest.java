package io.tandem.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreRulesTest {

    private static final long S = 1_000_000_000L;
    private static final CacheDefaults NO_DEFAULT = new CacheDefaults(0, 10 * S, 0);
    private static final CacheDefaults DEFAULT_60 = new CacheDefaults(60 * S, 10 * S, 3600 * S);
    private static final long NOW = StoreRules.httpDate("Sun, 06 Dec 2026 23:00:00 GMT");

    private static ResponseFacts cc(String cacheControl) {
        return new ResponseFacts(200, cacheControl, null, null, null, null, null, false, false);
    }

    private static StoreDecision decide(ResponseFacts r) {
        return StoreRules.decide(r, NO_DEFAULT, NOW);
    }

    // s-maxage wins over max-age, and implies proxy-revalidate: no grace, no stale-if-error.
    @Test
    void sMaxAgeOverMaxAge() {
        StoreDecision d = decide(cc("max-age=10, s-maxage=300"));
        assertThat(d.freshness()).isEqualTo(new Freshness(300 * S, 0, 0, 0, false));
    }

    // max-age with the cache's grace and stale-if-error.
    @Test
    void maxAgeTakesTheCachesGrace() {
        StoreDecision d = StoreRules.decide(cc("public, max-age=30"), DEFAULT_60, NOW);
        assertThat(d.freshness()).isEqualTo(new Freshness(30 * S, 10 * S, 3600 * S, 0, false));
    }

    // stale-while-revalidate and stale-if-error of the response replace the cache's.
    @Test
    void responseStaleDirectivesWin() {
        StoreDecision d = StoreRules.decide(cc("max-age=30, stale-while-revalidate=5, stale-if-error=99"),
                DEFAULT_60, NOW);
        assertThat(d.freshness()).isEqualTo(new Freshness(30 * S, 5 * S, 99 * S, 0, false));
    }

    // Expires minus Date is the lifetime when there is no max-age.
    @Test
    void expiresMinusDate() {
        StoreDecision d = decide(new ResponseFacts(200, null, null, "Sun, 06 Dec 2026 23:02:00 GMT",
                "Sun, 06 Dec 2026 23:00:30 GMT", null, null, false, false));
        assertThat(d.freshness().ttl()).isEqualTo(90 * S);
    }

    // max-age beats Expires.
    @Test
    void maxAgeBeatsExpires() {
        StoreDecision d = decide(new ResponseFacts(200, "max-age=5", null, "Sun, 06 Dec 2026 23:02:00 GMT",
                null, null, null, false, false));
        assertThat(d.freshness().ttl()).isEqualTo(5 * S);
    }

    // An invalid Expires means already expired: lifetime 0, kept only for grace.
    @Test
    void invalidExpiresIsExpired() {
        StoreDecision d = decide(new ResponseFacts(200, null, null, "0", null, null, null, false, false));
        assertThat(d.freshness()).isEqualTo(new Freshness(0, 10 * S, 0, 0, false));
    }

    // no-store, private, Set-Cookie and Vary: * are not stored, each for its reason.
    @Test
    void refusals() {
        assertThat(decide(cc("max-age=60, no-store")).reason()).isEqualTo("Cache-Control: no-store");
        assertThat(decide(cc("private, max-age=60")).reason()).isEqualTo("Cache-Control: private");
        assertThat(decide(new ResponseFacts(200, "max-age=60", null, null, null, null, null, true, false))
                .reason()).isEqualTo("Set-Cookie");
        assertThat(decide(new ResponseFacts(200, "max-age=60", null, null, null, null, "Accept, *", false, false))
                .reason()).isEqualTo("Vary: *");
        assertThat(decide(new ResponseFacts(500, "max-age=60", null, null, null, null, null, false, false))
                .reason()).isEqualTo("status 500 is not cacheable");
    }

    // Surrogate-Control max-age wins over Cache-Control, even over private and no-store.
    @Test
    void surrogateControlWins() {
        StoreDecision d = decide(new ResponseFacts(200, "private, no-store, max-age=0", "max-age=120", null, null,
                null, null, false, false));
        assertThat(d.freshness()).isEqualTo(new Freshness(120 * S, 10 * S, 0, 0, false));
        assertThat(decide(new ResponseFacts(200, "max-age=60", "no-store", null, null, null, null, false, false))
                .reason()).isEqualTo("Surrogate-Control: no-store");
    }

    // Surrogate-Control content="ESI/1.0" is reported whatever is decided.
    @Test
    void surrogateEsi() {
        assertThat(decide(new ResponseFacts(200, "max-age=60", "content=\"ESI/1.0\"", null, null, null, null,
                false, false)).esi()).isTrue();
    }

    // No freshness information: default-ttl for heuristic statuses, not stored when it is 0.
    @Test
    void defaultTtl() {
        assertThat(decide(cc(null)).reason()).isEqualTo("no freshness information and default-ttl is 0");
        assertThat(StoreRules.decide(cc(null), DEFAULT_60, NOW).freshness().ttl()).isEqualTo(60 * S);
        assertThat(StoreRules.decide(new ResponseFacts(302, null, null, null, null, null, null, false, false),
                DEFAULT_60, NOW).reason()).isEqualTo("status 302 needs an explicit lifetime");
    }

    // no-cache is stored with lifetime 0 when it can be revalidated, not at all otherwise.
    @Test
    void noCache() {
        StoreDecision d = decide(new ResponseFacts(200, "no-cache, max-age=60", null, null, null, null, null, false,
                true));
        assertThat(d.freshness()).isEqualTo(new Freshness(0, 10 * S, 0, 0, true));
        assertThat(decide(cc("no-cache")).reason()).isEqualTo("Cache-Control: no-cache without a validator");
    }

    // must-revalidate forbids serving stale.
    @Test
    void mustRevalidate() {
        StoreDecision d = StoreRules.decide(cc("max-age=60, must-revalidate"), DEFAULT_60, NOW);
        assertThat(d.freshness()).isEqualTo(new Freshness(60 * S, 0, 0, 0, false));
    }

    // The backend's Age is the object's initial age.
    @Test
    void initialAge() {
        StoreDecision d = decide(new ResponseFacts(200, "max-age=60", null, null, null, "15", null, false, false));
        assertThat(d.freshness().initialAge()).isEqualTo(15);
        assertThat(d.freshness().ageSeconds(2 * S)).isEqualTo(17);
        assertThat(d.freshness().state(44 * S)).isEqualTo(Freshness.State.FRESH);
        assertThat(d.freshness().state(45 * S)).isEqualTo(Freshness.State.GRACE);
        assertThat(d.freshness().state(55 * S)).isEqualTo(Freshness.State.STALE);
    }
}
