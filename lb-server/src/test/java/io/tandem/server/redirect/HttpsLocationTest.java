package io.tandem.server.redirect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The https URL a plain request is redirected to, and the Hosts and targets refused. */
class HttpsLocationTest {

    // The Host's name with the TLS listener's port (none for 443), path and query kept as sent.
    @Test
    void buildsTheHttpsUrl() {
        assertThat(HttpsLocation.of("example.com", "/a/b?x=1&y=%20", 443))
                .isEqualTo("https://example.com/a/b?x=1&y=%20");
        assertThat(HttpsLocation.of("example.com:80", "/", 8443)).isEqualTo("https://example.com:8443/");
        assertThat(HttpsLocation.of("10.0.0.5:8080", "/x", 443)).isEqualTo("https://10.0.0.5/x");
        assertThat(HttpsLocation.of("[2001:db8::1]:80", "/x", 443)).isEqualTo("https://[2001:db8::1]/x");
        assertThat(HttpsLocation.of("Example.COM", "http://example.com/p?q", 443)).isEqualTo("https://Example.COM/p?q");
        assertThat(HttpsLocation.of("example.com", "http://example.com", 443)).isEqualTo("https://example.com/");
    }

    // A Host that is missing or carries anything but a name and port, and targets without a path, get no redirect.
    @Test
    void refusesBadHostsAndTargets() {
        assertThat(HttpsLocation.of(null, "/", 443)).isNull();
        assertThat(HttpsLocation.of("", "/", 443)).isNull();
        assertThat(HttpsLocation.of("evil.com/x", "/", 443)).isNull();
        assertThat(HttpsLocation.of("user@evil.com", "/", 443)).isNull();
        assertThat(HttpsLocation.of("example.com:http", "/", 443)).isNull();
        assertThat(HttpsLocation.of("example.com\r\nX: y", "/", 443)).isNull();
        assertThat(HttpsLocation.of("-example.com", "/", 443)).isNull();
        assertThat(HttpsLocation.of("[2001:db8::1", "/", 443)).isNull();
        assertThat(HttpsLocation.of("example.com", "*", 443)).isNull();
        assertThat(HttpsLocation.of("example.com", "example.com:443", 443)).isNull();
    }
}
