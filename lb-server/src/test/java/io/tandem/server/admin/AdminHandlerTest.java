package io.tandem.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class AdminHandlerTest {

    private static boolean byIp(String host) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/v1/reload");
        if (host != null) {
            req.headers().set(HttpHeaderNames.HOST, host);
        }
        try {
            return AdminHandler.addressedByIp(req);
        } finally {
            req.release();
        }
    }

    // Without a token, only IP literals and localhost may change the node: a rebinding DNS name may not.
    @Test
    void hostMustBeAnIpOrLocalhost() {
        assertThat(byIp("127.0.0.1:9901")).isTrue();
        assertThat(byIp("10.0.1.2")).isTrue();
        assertThat(byIp("[::1]:9901")).isTrue();
        assertThat(byIp("localhost:9901")).isTrue();
        assertThat(byIp("LOCALHOST")).isTrue();
        assertThat(byIp(null)).isTrue();
        assertThat(byIp("evil.example:9901")).isFalse();
        assertThat(byIp("127.0.0.1.evil.example")).isFalse();
        assertThat(byIp("localhost.evil.example:9901")).isFalse();
    }
}
