package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Host names to certificates: exact before wildcard, one label per wildcard, first listed wins. */
class SniMapTest {

    private final SniMap<String> map = new SniMap<>(List.of(
            new SniMap.Entry<>(List.of("example.com", "www.example.com"), "site"),
            new SniMap.Entry<>(List.of("*.example.com"), "wild"),
            new SniMap.Entry<>(List.of("www.example.com", "*.example.com", "api.example.org"), "later"),
            new SniMap.Entry<>(List.of("f*.example.net", "*.*.example.net"), "odd")));

    // Exact names, case-insensitive and with a trailing dot, go to the first certificate listing them.
    @Test
    void exactNames() {
        assertThat(map.find("example.com")).isEqualTo(new SniMap.Match<>("site", true));
        assertThat(map.find("WWW.Example.COM")).isEqualTo(new SniMap.Match<>("site", true));
        assertThat(map.find("www.example.com.")).isEqualTo(new SniMap.Match<>("site", true));
        assertThat(map.find("api.example.org")).isEqualTo(new SniMap.Match<>("later", true));
    }

    // A wildcard covers exactly one leftmost label, and only when no exact name covers the host.
    @Test
    void wildcardCoversOneLabel() {
        assertThat(map.find("shop.example.com")).isEqualTo(new SniMap.Match<>("wild", false));
        assertThat(map.find("a.b.example.com")).isNull();
        assertThat(map.find(".example.com")).isNull();
        assertThat(map.find("com")).isNull();
    }

    // Partial-label and multi-label wildcards match nothing, as in browsers; no name and unknown names get null.
    @Test
    void nothingElseMatches() {
        assertThat(map.find("foo.example.net")).isNull();
        assertThat(map.find("a.b.example.net")).isNull();
        assertThat(map.find("other.test")).isNull();
        assertThat(map.find(null)).isNull();
        assertThat(map.find("")).isNull();
    }
}
