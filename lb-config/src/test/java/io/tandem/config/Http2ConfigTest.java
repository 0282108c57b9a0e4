package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class Http2ConfigTest {

    private static final String POOLS = "pools: { web: { backends: [ { address: 10.0.0.11:80 } ] } }";

    // A plain listener speaks HTTP/1.1 only unless it lists h2; a TLS one offers h2 first by default.
    @Test
    void defaultsDependOnTls() throws Exception {
        TandemConfig plain = TestConfigs.parse("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]", POOLS);
        assertThat(plain.listeners().get(0).http2().protocols()).containsExactly(Http2Config.Protocol.HTTP_1_1);
        assertThat(plain.listeners().get(0).http2().h2()).isFalse();
        assertThat(Http2Config.defaults(true).protocols())
                .containsExactly(Http2Config.Protocol.H2, Http2Config.Protocol.HTTP_1_1);
    }

    // protocols keeps the order written (ALPN's preference); the http2 limits are read as written.
    @Test
    void protocolsAndLimitsAsWritten() throws Exception {
        TandemConfig c = TestConfigs.parse("listeners: [ { bind: 127.0.0.1:8080, pool: web, protocols: [http/1.1, h2],",
                "  http2: { max-concurrent-streams: 10, max-header-list-size: 8KiB, max-frame-size: 32KiB,",
                "    initial-window-size: 1MiB, connection-window-size: 8MiB, max-resets: 50, reset-window: 10s,",
                "    max-control-frames: 20, stall-timeout: 5s } } ]", POOLS);
        Http2Config h = c.listeners().get(0).http2();
        assertThat(h).isEqualTo(new Http2Config(List.of(Http2Config.Protocol.HTTP_1_1, Http2Config.Protocol.H2),
                10, 8192, 32768, 1 << 20, 8 << 20, 50, Duration.ofSeconds(10), 20, Duration.ofSeconds(5)));
    }

    // Unknown and repeated protocols, an empty list and a too-small frame size are each reported where written.
    @Test
    void badProtocolsReportedWithPosition() {
        assertThat(TestConfigs.problems("listeners:",
                "  - { bind: 127.0.0.1:8080, pool: web, protocols: [h3, http/1.1, http/1.1] }",
                "  - { bind: 127.0.0.1:8081, pool: web, protocols: [] }",
                "  - { bind: 127.0.0.1:8082, pool: web, http2: { max-frame-size: 1KiB } }", POOLS))
                .isEqualTo(String.join("\n",
                        "t.yaml:2:52: listeners[0].protocols[0]: 'h3' is not a protocol; expected one of h2, http/1.1",
                        "t.yaml:2:66: listeners[0].protocols[2]: 'http/1.1' is listed twice",
                        "t.yaml:3:51: listeners[1].protocols: needs at least one value",
                        "t.yaml:4:65: listeners[2].http2.max-frame-size: 1KiB is out of range; expected 16KiB to "
                                + "16777215B"));
    }

    // A mode: tcp listener takes neither protocols nor http2.
    @Test
    void tcpListenerRefusesHttp2Keys() {
        assertThat(TestConfigs.problems("listeners:",
                "  - { bind: 127.0.0.1:3306, pool: web, mode: tcp, protocols: [h2], http2: { max-resets: 5 } }",
                POOLS))
                .contains("listeners[0].protocols: does not apply to a mode: tcp listener")
                .contains("listeners[0].http2: does not apply to a mode: tcp listener");
    }

    // A pool's protocol: http/1.1 by default, h2c as written; h2c with tls or a PROXY header is refused where written.
    @Test
    void poolProtocol() throws Exception {
        TandemConfig c = TestConfigs.parse("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { protocol: h2c, backends: [ { address: 10.0.0.11:80 } ] },",
                "         old: { backends: [ { address: 10.0.0.12:80 } ] } }");
        assertThat(c.pools().get("web").protocol()).isEqualTo(PoolConfig.BackendProtocol.H2C);
        assertThat(c.pools().get("old").protocol()).isEqualTo(PoolConfig.BackendProtocol.HTTP_1_1);
        assertThat(TestConfigs.problems("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { protocol: h2c, proxy-protocol: v2, backends: [ { address: 10.0.0.11:80 } ] } }"))
                .isEqualTo("t.yaml:2:27: pools.web.protocol: h2c shares one connection among many clients' "
                        + "requests: it cannot send a client's PROXY header");
        assertThat(TestConfigs.problems("listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { protocol: h3, backends: [ { address: 10.0.0.11:80 } ] } }"))
                .startsWith("t.yaml:2:27: pools.web.protocol:");
    }

    // A pool of a mode: tcp listener forwards bytes: protocol does not apply to it.
    @Test
    void tcpPoolRefusesProtocol() {
        assertThat(TestConfigs.problems("listeners: [ { bind: 127.0.0.1:3306, pool: db, mode: tcp } ]",
                "pools: { db: { protocol: h2c, backends: [ { address: 10.0.0.11:3306 } ] } }"))
                .contains("pools.db.protocol: does not apply: pool db is used by the mode: tcp listener listener-0");
    }
}
