package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    // Connection, the headers it names, and every fixed hop-by-hop header go; end-to-end ones and framing stay.
    @Test
    void removesHopByHopHeaders() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "close, X-Secret")
                .add("Connection", "Upgrade , Transfer-Encoding, Host")
                .add("X-Secret", "s").add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Trailer", "X")
                .add("Upgrade", "websocket").add("Proxy-Connection", "keep-alive").add("Proxy-Authorization", "p")
                .add("Proxy-Authenticate", "Basic").add("Transfer-Encoding", "chunked").add("Host", "h")
                .add("Accept", "*/*");
        int tokens = ForwardedHeaders.removeHopByHop(h);
        assertThat(tokens).isEqualTo(ForwardedHeaders.CLOSE | ForwardedHeaders.UPGRADE);
        assertThat(h.names()).containsExactlyInAnyOrder("Transfer-Encoding", "Host", "Accept");
    }

    // Without any hop-by-hop header nothing changes and no Connection token is reported.
    @Test
    void leavesOrdinaryHeadersAlone() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "h").add("Accept", "*/*");
        assertThat(ForwardedHeaders.removeHopByHop(h)).isZero();
        assertThat(h.names()).containsExactlyInAnyOrder("Host", "Accept");
    }

    // keep-alive is reported, so an HTTP/1.0 peer's wish is known after the header is gone.
    @Test
    void reportsKeepAlive() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Keep-Alive");
        assertThat(ForwardedHeaders.removeHopByHop(h)).isEqualTo(ForwardedHeaders.KEEP_ALIVE_TOKEN);
        assertThat(h.isEmpty()).isTrue();
    }

    // X-Forwarded-For is appended to, Forwarded gets a new element, a given X-Request-Id is kept.
    @Test
    void appendsForwardingHeaders() {
        HttpHeaders h = new DefaultHttpHeaders().add("X-Forwarded-For", "10.0.0.1")
                .add("Forwarded", "for=10.0.0.1").add("X-Request-Id", "abc");
        String id = ForwardedHeaders.addForwarding(h, "192.0.2.7", ForwardedHeaders.forwardedFor("192.0.2.7"),
                "example.com:8080", false);
        assertThat(id).isEqualTo("abc");
        assertThat(h.get("X-Forwarded-For")).isEqualTo("10.0.0.1, 192.0.2.7");
        assertThat(h.get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(h.get("X-Forwarded-Host")).isEqualTo("example.com:8080");
        assertThat(h.get("Forwarded")).isEqualTo("for=10.0.0.1, for=192.0.2.7;proto=http;host=\"example.com:8080\"");
    }

    // An IPv6 client is quoted and bracketed in Forwarded (RFC 7239 section 6); a new request id is 32 hex digits.
    @Test
    void ipv6ClientAndNewRequestId() {
        HttpHeaders h = new DefaultHttpHeaders();
        String id = ForwardedHeaders.addForwarding(h, "2001:db8::1", ForwardedHeaders.forwardedFor("2001:db8::1"),
                null, false);
        assertThat(h.get("Forwarded")).isEqualTo("for=\"[2001:db8::1]\";proto=http");
        assertThat(h.get("X-Forwarded-For")).isEqualTo("2001:db8::1");
        assertThat(h.contains("X-Forwarded-Host")).isFalse();
        assertThat(id).matches("[0-9a-f]{32}").isEqualTo(h.get("X-Request-Id"));
    }

    // On a TLS listener both X-Forwarded-Proto and Forwarded say https.
    @Test
    void httpsConnection() {
        HttpHeaders h = new DefaultHttpHeaders();
        ForwardedHeaders.addForwarding(h, "192.0.2.7", ForwardedHeaders.forwardedFor("192.0.2.7"), "example.com",
                true);
        assertThat(h.get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(h.get("Forwarded")).isEqualTo("for=192.0.2.7;proto=https;host=\"example.com\"");
    }
}
