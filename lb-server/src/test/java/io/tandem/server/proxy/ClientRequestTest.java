package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client's head made into the backend's, and the request as strategies read it. */
class ClientRequestTest {

    private static HttpRequest head(HttpVersion version, String... headers) {
        HttpRequest req = new DefaultHttpRequest(version, HttpMethod.GET, "/x");
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        return req;
    }

    static Stream<Arguments> connections() {
        return Stream.of(
                Arguments.of(HttpVersion.HTTP_1_1, new String[] {}, true, false),
                Arguments.of(HttpVersion.HTTP_1_1, new String[] {"Connection", "close"}, false, false),
                Arguments.of(HttpVersion.HTTP_1_0, new String[] {}, false, false),
                Arguments.of(HttpVersion.HTTP_1_0, new String[] {"Connection", "keep-alive"}, true, false),
                Arguments.of(HttpVersion.HTTP_1_1, new String[] {"Connection", "upgrade", "Upgrade", "websocket"},
                        true, true),
                // An Upgrade the Connection header does not name is not a request to switch.
                Arguments.of(HttpVersion.HTTP_1_1, new String[] {"Upgrade", "websocket"}, true, false),
                // HTTP/1.0 has no upgrade.
                Arguments.of(HttpVersion.HTTP_1_0, new String[] {"Connection", "upgrade", "Upgrade", "websocket"},
                        false, false));
    }

    // What the client's version and Connection header say of keep-alive and an upgrade.
    @ParameterizedTest
    @MethodSource("connections")
    void connectionSemantics(HttpVersion version, String[] headers, boolean keepAlive, boolean upgrading) {
        ClientRequest r = new ClientRequest(new ClientPeer(), false);
        HttpRequest req = head(version, headers);
        HttpRequest out = r.forward(req, "a", version == HttpVersion.HTTP_1_0, null);
        assertThat(r.keepAlive()).isEqualTo(keepAlive);
        assertThat(r.upgrading()).isEqualTo(upgrading);
        assertThat(out.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(out.headers().get("Upgrade")).isEqualTo(upgrading ? "websocket" : null);
        assertThat(out.headers().get("Connection")).isEqualTo(upgrading ? "upgrade" : null);
        ReferenceCountUtil.release(out);
    }

    // A head without a body becomes one complete message; one with a body goes on as it is.
    @Test
    void bodilessHeadBecomesAFullMessage() {
        ClientRequest r = new ClientRequest(new ClientPeer(), true);
        HttpRequest bodiless = r.forward(head(HttpVersion.HTTP_1_1, "Host", "a"), "a", false, null);
        assertThat(bodiless).isInstanceOf(FullHttpRequest.class);
        assertThat(((FullHttpRequest) bodiless).content().readableBytes()).isZero();
        assertThat(bodiless.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        HttpRequest chunked = head(HttpVersion.HTTP_1_1, "Host", "a", "Transfer-Encoding", "chunked");
        assertThat(r.forward(chunked, "a", false, null)).isSameAs(chunked);
        ReferenceCountUtil.release(bodiless);
    }

    // An HTTP/1.0 request without Host gets an empty one; a client cannot send the certificate header itself.
    @Test
    void hostAddedAndCertificateHeaderReplaced() {
        ClientRequest r = new ClientRequest(new ClientPeer(), true);
        HttpRequest out = r.forward(head(HttpVersion.HTTP_1_0, "X-Client-Cert", "CN=forged", "X-Request-Id", "r1"),
                null, true, AsciiString.cached("x-client-cert"));
        assertThat(out.headers().get("Host")).isEmpty();
        assertThat(out.headers().contains("X-Client-Cert")).isFalse();
        assertThat(r.requestId()).isEqualTo("r1");
        ReferenceCountUtil.release(out);
    }

    // Strategies see the running head only: a cookie in the second Cookie header is found, nothing after the end.
    @Test
    void strategiesReadTheRunningHead() {
        ClientRequest r = new ClientRequest(new ClientPeer(), false);
        HttpRequest req = head(HttpVersion.HTTP_1_1, "Cookie", "a=1", "Cookie", "sid=s2; b=2", "X-Key", "k");
        HttpRequest out = r.forward(req, "a", false, null);
        assertThat(r.header("X-Key")).isNull();
        r.running(out);
        assertThat(r.header("X-Key").toString()).isEqualTo("k");
        assertThat(r.cookie("sid").toString()).isEqualTo("s2");
        assertThat(r.cookie("a").toString()).isEqualTo("1");
        assertThat(r.cookie("none")).isNull();
        r.ended();
        assertThat(r.header("X-Key")).isNull();
        assertThat(r.cookie("sid")).isNull();
        ReferenceCountUtil.release(out);
    }
}
