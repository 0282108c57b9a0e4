package io.tandem.core.cache;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Whether a shared cache stores a response to a GET, and its lifetimes: RFC
 * 9111 as a shared cache, with Varnish's builtin rules on top. A pure
 * function: the time comes in as an argument.
 *
 * <ol>
 *   <li>{@code Surrogate-Control} is for this cache alone and wins: its
 *       {@code no-store} refuses, its {@code max-age} is the lifetime whatever
 *       {@code Cache-Control} says (Edge Architecture 1.0).
 *   <li>Otherwise {@code Cache-Control: no-store} or {@code private} refuses (section 3).
 *   <li>A response that sets a cookie is never stored (Varnish's builtin: it is someone's).
 *   <li>{@code Vary: *} is never stored: no later request could match it (section 4.1).
 *   <li>The lifetime is {@code s-maxage}, else {@code max-age}, else {@code Expires}
 *       minus {@code Date} (section 4.2.1); a response without any gets the
 *       cache's {@code default-ttl} if its status is heuristically cacheable
 *       (section 4.2.2), and is not stored when that is 0.
 *   <li>{@code no-cache} is stored with lifetime 0 when it has a validator, so
 *       each use revalidates it (section 5.2.2.4); without one it is not stored.
 *   <li>After the lifetime, a stale object is served while it is refreshed for
 *       {@code stale-while-revalidate} (else the cache's grace) and when the backend
 *       fails for {@code stale-if-error} (else the cache's); {@code must-revalidate},
 *       {@code proxy-revalidate} and {@code s-maxage} (which implies proxy-revalidate,
 *       section 5.2.2.10) forbid both.
 * </ol>
 */
public final class StoreRules {

    private static final long SECOND = 1_000_000_000L;

    private StoreRules() {}

    /** Whether a response with this status may be stored on an explicit lifetime (section 3, Varnish's list). */
    static boolean understood(int status) {
        return switch (status) {
            case 200, 203, 204, 300, 301, 302, 307, 308, 404, 405, 410, 414, 501 -> true;
            default -> false;
        };
    }

    /** Whether a response with this status may get a heuristic lifetime (RFC 9110 section 15.1, less 206). */
    static boolean heuristic(int status) {
        return switch (status) {
            case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501 -> true;
            default -> false;
        };
    }

    /** @param nowMillis the wall-clock time the response arrived, for {@code Expires} without {@code Date} */
    public static StoreDecision decide(ResponseFacts r, CacheDefaults defaults, long nowMillis) {
        CacheControl sc = CacheControl.parse(r.surrogateControl());
        CacheControl cc = CacheControl.parse(r.cacheControl());
        boolean esi = sc.esi();
        if (sc.noStore()) {
            return StoreDecision.no("Surrogate-Control: no-store", esi);
        }
        if (!understood(r.status())) {
            return StoreDecision.no("status " + r.status() + " is not cacheable", esi);
        }
        boolean surrogate = sc.maxAge() >= 0;
        if (!surrogate && cc.noStore()) {
            return StoreDecision.no("Cache-Control: no-store", esi);
        }
        if (!surrogate && cc.isPrivate()) {
            return StoreDecision.no("Cache-Control: private", esi);
        }
        if (r.setCookie()) {
            return StoreDecision.no("Set-Cookie", esi);
        }
        if (Vary.isStar(r.vary())) {
            return StoreDecision.no("Vary: *", esi);
        }
        long ttl;
        boolean strict = false;
        if (surrogate) {
            ttl = sc.maxAge() * SECOND;
        } else if (cc.noCache()) {
            if (!r.validators()) {
                return StoreDecision.no("Cache-Control: no-cache without a validator", esi);
            }
            ttl = 0;
        } else if (cc.sMaxAge() >= 0) {
            ttl = cc.sMaxAge() * SECOND;
            strict = true;
        } else if (cc.maxAge() >= 0) {
            ttl = cc.maxAge() * SECOND;
        } else if (r.expires() != null) {
            Long expires = httpDate(r.expires());
            Long date = r.date() == null ? null : httpDate(r.date());
            // An invalid Expires (often "0") means already expired (section 5.3).
            ttl = expires == null ? 0 : Math.max(0, expires - (date == null ? nowMillis : date)) * 1_000_000L;
        } else if (defaults.defaultTtl() > 0 && heuristic(r.status())) {
            ttl = defaults.defaultTtl();
        } else {
            return StoreDecision.no(defaults.defaultTtl() > 0 ? "status " + r.status() + " needs an explicit lifetime"
                    : "no freshness information and default-ttl is 0", esi);
        }
        strict |= !surrogate && (cc.mustRevalidate() || cc.proxyRevalidate());
        long grace = strict ? 0 : cc.staleWhileRevalidate() >= 0 ? cc.staleWhileRevalidate() * SECOND
                : defaults.grace();
        long staleIfError = strict ? 0 : cc.staleIfError() >= 0 ? cc.staleIfError() * SECOND
                : defaults.staleIfError();
        long initialAge = ageHeader(r.age());
        if (ttl == 0 && grace == 0 && staleIfError == 0 && !r.validators()) {
            return StoreDecision.no("lifetime 0 and nothing to revalidate with", esi);
        }
        return new StoreDecision(new Freshness(ttl, grace, staleIfError, initialAge, r.validators()), null, esi);
    }

    /** {@code Age}: delta-seconds; anything else counts as 0. */
    static long ageHeader(String age) {
        if (age == null) {
            return 0;
        }
        String a = age.strip();
        if (a.isEmpty() || a.length() > 10 || !a.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 0;
        }
        return Long.parseLong(a);
    }

    /** An HTTP date (IMF-fixdate, RFC 9110 section 5.6.7) in epoch milliseconds, or null. */
    public static Long httpDate(String text) {
        try {
            return ZonedDateTime.parse(text.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
