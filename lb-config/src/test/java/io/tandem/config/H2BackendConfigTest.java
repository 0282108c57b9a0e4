package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code protocol: h2} (HTTP/2 over the pool's tls) and the gRPC check's {@code service}. */
class H2BackendConfigTest {

    private static final String LISTENER = "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]";

    // h2 with tls and a gRPC check of a named service parse as written; a check without service asks for "".
    @Test
    void h2PoolWithGrpcServiceCheck() throws Exception {
        TandemConfig c = TestConfigs.parse(LISTENER,
                "pools:",
                "  web: { protocol: h2, tls: { verify: false }, backends: [ { address: 10.0.0.11:443 } ],",
                "         health: { type: grpc, service: shop.Orders } }",
                "  plain: { protocol: h2c, backends: [ { address: 10.0.0.12:80 } ], health: { type: grpc } }");
        PoolConfig web = c.pools().get("web");
        assertThat(web.protocol()).isEqualTo(PoolConfig.BackendProtocol.H2);
        assertThat(web.protocol().http2()).isTrue();
        assertThat(web.health().orElseThrow().service()).isEqualTo("shop.Orders");
        assertThat(c.pools().get("plain").health().orElseThrow().service()).isEmpty();
        assertThat(PoolConfig.BackendProtocol.HTTP_1_1.http2()).isFalse();
    }

    // h2 without tls is refused where protocol is written, saying what it needs.
    @Test
    void h2NeedsTls() {
        assertThat(TestConfigs.problems(LISTENER,
                "pools: { web: { protocol: h2, backends: [ { address: 10.0.0.11:443 } ] } }"))
                .isEqualTo("t.yaml:2:27: pools.web.protocol: h2 is HTTP/2 over TLS and needs the pool's tls "
                        + "section (e.g. tls: { ca: /etc/tandem/backend-ca.pem }); for HTTP/2 in the clear set "
                        + "protocol: h2c");
    }

    // h2c with tls is refused, pointing to h2.
    @Test
    void h2cWithTlsPointsToH2() {
        assertThat(TestConfigs.problems(LISTENER,
                "pools: { web: { protocol: h2c, tls: { verify: false }, backends: [ { address: 10.0.0.11:443 } ] } }"))
                .isEqualTo("t.yaml:2:27: pools.web.protocol: h2c is HTTP/2 in the clear; for HTTP/2 over the pool's "
                        + "tls set protocol: h2");
    }

    // h2 cannot send a client's PROXY header, like h2c.
    @Test
    void h2RefusesProxyProtocol() {
        assertThat(TestConfigs.problems(LISTENER,
                "pools: { web: { protocol: h2, tls: { verify: false }, proxy-protocol: v2,",
                "                backends: [ { address: 10.0.0.11:443 } ] } }"))
                .isEqualTo("t.yaml:2:27: pools.web.protocol: h2 shares one connection among many clients' "
                        + "requests: it cannot send a client's PROXY header");
    }

    // A gRPC check of an HTTP/1.1 pool with tls could never pass: refused at health.type, pointing to h2.
    @Test
    void grpcCheckOverTlsNeedsH2() {
        assertThat(TestConfigs.problems(LISTENER,
                "pools: { web: { tls: { verify: false }, backends: [ { address: 10.0.0.11:443 } ],",
                "                health: { type: grpc } } }"))
                .isEqualTo("t.yaml:3:33: pools.web.health.type: gRPC over TLS is HTTP/2 chosen by ALPN, which "
                        + "this pool does not speak; set protocol: h2");
    }

    // service belongs to gRPC checks only, and holds no control characters; each problem where written.
    @Test
    void serviceOnlyForGrpcAndPrintable() {
        assertThat(TestConfigs.problems(LISTENER,
                "pools:",
                "  web: { backends: [ { address: 10.0.0.11:80 } ], health: { path: /h, service: shop.Orders } }",
                "  api: { protocol: h2c, backends: [ { address: 10.0.0.12:80 } ],",
                "         health: { type: grpc, service: \"shop\\nOrders\" } }"))
                .isEqualTo(String.join("\n",
                        "t.yaml:3:80: pools.web.health.service: only applies to type: grpc (this check is type: "
                                + "http)",
                        "t.yaml:5:41: pools.api.health.service: holds a control character; expected a gRPC service "
                                + "name, e.g. service: my.package.Orders"));
    }
}
