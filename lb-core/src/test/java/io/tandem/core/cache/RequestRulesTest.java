package io.tandem.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestRulesTest {

    // GET and HEAD are looked up; everything Varnish's builtin passes, passes, with its reason.
    @Test
    void passReasons() {
        assertThat(RequestRules.passReason("GET", false, false, false, null)).isNull();
        assertThat(RequestRules.passReason("HEAD", false, false, false, null)).isNull();
        assertThat(RequestRules.passReason("POST", false, false, false, null)).isEqualTo("method POST");
        assertThat(RequestRules.passReason("GET", true, false, false, null)).isEqualTo("Authorization");
        assertThat(RequestRules.passReason("GET", false, false, false, "sid=1")).isEqualTo("Cookie");
        assertThat(RequestRules.passReason("GET", false, true, false, null)).isEqualTo("request body");
        assertThat(RequestRules.passReason("GET", false, false, true, null)).isEqualTo("Upgrade");
    }

    // Ignored cookies are removed; what is left makes the request pass; * ignores every cookie.
    @Test
    void cookieFilter() {
        RequestRules.CookieFilter analytics = new RequestRules.CookieFilter(List.of("_ga", "_gid"));
        assertThat(analytics.strip("_ga=GA1.2; _gid=x")).isNull();
        assertThat(analytics.strip("_ga=GA1.2; sid=abc; _gid=x")).isEqualTo("sid=abc");
        assertThat(analytics.strip("sid=abc")).isEqualTo("sid=abc");
        assertThat(new RequestRules.CookieFilter(List.of()).strip("_ga=1")).isEqualTo("_ga=1");
        assertThat(new RequestRules.CookieFilter(List.of("*")).strip("sid=abc")).isNull();
        assertThat(analytics.strip(null)).isNull();
    }

    // Non-error answers to unsafe methods invalidate; errors and safe methods do not.
    @Test
    void invalidation() {
        assertThat(RequestRules.invalidates("POST", 200)).isTrue();
        assertThat(RequestRules.invalidates("DELETE", 204)).isTrue();
        assertThat(RequestRules.invalidates("PUT", 303)).isTrue();
        assertThat(RequestRules.invalidates("POST", 500)).isFalse();
        assertThat(RequestRules.invalidates("POST", 404)).isFalse();
        assertThat(RequestRules.invalidates("GET", 200)).isFalse();
    }

    // If-None-Match decides with weak comparison; else If-Modified-Since against Last-Modified.
    @Test
    void conditionals() {
        assertThat(Conditional.notModified("\"a\", W/\"b\"", null, "\"b\"", null)).isTrue();
        assertThat(Conditional.notModified("\"c\"", "Sun, 06 Dec 2026 23:00:00 GMT", "\"b\"",
                "Sun, 06 Dec 2026 22:00:00 GMT")).isFalse();
        assertThat(Conditional.notModified(null, "Sun, 06 Dec 2026 23:00:00 GMT", null,
                "Sun, 06 Dec 2026 22:00:00 GMT")).isTrue();
        assertThat(Conditional.notModified(null, "Sun, 06 Dec 2026 21:00:00 GMT", null,
                "Sun, 06 Dec 2026 22:00:00 GMT")).isFalse();
        assertThat(Conditional.notModified(null, null, "\"b\"", null)).isFalse();
    }

    // Vary names are lowercase and unique; values normalize whitespace; absent differs from empty.
    @Test
    void vary() {
        assertThat(Vary.names("Accept-Encoding, accept-encoding ,X-Lang")).containsExactly("accept-encoding",
                "x-lang");
        assertThat(Vary.normalize("gzip,  br")).isEqualTo(Vary.normalize("gzip, br"));
        assertThat(Vary.normalize(null)).isNotEqualTo(Vary.normalize(""));
        assertThat(Vary.isStar("Accept, *")).isTrue();
    }
}
