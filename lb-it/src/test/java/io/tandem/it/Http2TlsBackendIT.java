package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code protocol: h2}: HTTP/2 over TLS to backends, chosen by ALPN. Real backends started here, with
 * certificates {@link TestPki} makes with openssl: two Netty HTTP/2 TLS servers ({@link H2TlsBackend}) that
 * name themselves and the connection each request came on, a grpc-java server with TLS whose health service
 * (grpc-java's {@code HealthStatusManager}) the tests switch at runtime, and an HTTPS server that speaks only
 * HTTP/1.1 (the JDK's, no ALPN). Clients: HTTP/1.1, Netty's HTTP/2 client, grpc-java.
 */
class Http2TlsBackendIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    /** Checks every 200ms; one result decides. */
    static final String CHECKS = "interval: 200ms, timeout: 2s, rise: 1, fall: 1";
    static final String NAMED = "tandem.test.Echo";
    static final String NOT_H2 = "TLS handshake failed: ALPN: the backend selected no protocol where h2 was the "
            + "only one offered, so it does not speak HTTP/2 over TLS";

    static TestPki pki;
    static H2TlsBackend a;
    static H2TlsBackend b;
    /** The backend of a pool without checks, so that its first connection is the first request's. */
    static H2TlsBackend cold;
    static StubBackend http11Only;
    static Server grpc;
    static HealthStatusManager grpcHealth;
    static final Map<String, ManagedChannel> channels = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(lb.dir().resolve("pki"), "backends");
        TestPki other = new TestPki(lb.dir().resolve("other"), "other");
        a = lb.closeAfter(new H2TlsBackend("a", pki.server("a", TestPki.KeyType.ECDSA, 30, "127.0.0.1")));
        b = lb.closeAfter(new H2TlsBackend("b", pki.server("b", TestPki.KeyType.RSA, 30, "127.0.0.1")));
        cold = lb.closeAfter(new H2TlsBackend("cold", pki.server("cold", TestPki.KeyType.ECDSA, 30, "127.0.0.1")));
        http11Only = lb.httpsStub("http11-only", new StubTls(pki.server("http11", TestPki.KeyType.ECDSA, 30,
                "127.0.0.1")));
        TestPki.Issued grpcCert = pki.server("grpc", TestPki.KeyType.ECDSA, 30, "127.0.0.1");
        grpcHealth = new HealthStatusManager();
        grpcHealth.setStatus(NAMED, ServingStatus.SERVING);
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.forServer(grpcCert.cert().toFile(), grpcCert.key().toFile()).build())
                .addService(echoService()).addService(grpcHealth.getHealthService())
                .build().start();
        String grpcAddress = "127.0.0.1:" + grpc.getPort();
        String ca = "{ ca: " + pki.ca().cert() + " }";
        lb.config()
                .listener("h2", "h2", l -> l.set("protocols", "[h2, http/1.1]"))
                .pool("h2", p -> p.set("protocol", "h2").set("tls", ca)
                        .health("path: /health, " + CHECKS).backends(a, b))
                .listener("cold", "cold", l -> l.set("protocols", "[h2]"))
                .pool("cold", p -> p.set("protocol", "h2").set("tls", ca).backend(cold))
                .listener("grpc", "grpc", l -> l.set("protocols", "[h2]"))
                .pool("grpc", p -> p.set("protocol", "h2").set("tls", ca)
                        .health("type: grpc, " + CHECKS).backend(grpcAddress))
                .listener("grpc-named", "grpc-named", l -> l.set("protocols", "[h2]"))
                .pool("grpc-named", p -> p.set("protocol", "h2").set("tls", ca)
                        .health("type: grpc, service: " + NAMED + ", " + CHECKS).backend(grpcAddress))
                .listener("grpc-unknown", "grpc-unknown")
                .pool("grpc-unknown", p -> p.set("protocol", "h2").set("tls", ca)
                        .health("type: grpc, service: no.Such, initial-state: up, " + CHECKS).backend(grpcAddress))
                .listener("wrong-ca", "wrong-ca")
                .pool("wrong-ca", p -> p.set("protocol", "h2").set("tls", "{ ca: " + other.ca().cert() + " }")
                        .health("path: /health, initial-state: up, " + CHECKS).backend(a))
                .listener("http11-only", "http11-only")
                .pool("http11-only", p -> p.set("protocol", "h2").set("tls", ca)
                        .health("path: /health, initial-state: up, " + CHECKS).backend(http11Only))
                // Passive checks only: a request finds out.
                .listener("http11-passive", "http11-passive")
                .pool("http11-passive", p -> p.set("protocol", "h2").set("tls", ca).retries(0)
                        .backend(http11Only));
        lb.start();
    }

    private static ServerServiceDefinition echoService() {
        return ServerServiceDefinition.builder("tandem.test.Echo")
                .addMethod(GrpcIT.ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("echo over TLS: " + req);
                    out.onCompleted();
                }))
                .addMethod(GrpcIT.COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    for (int i = 1; i <= Integer.parseInt(req); i++) {
                        out.onNext("item " + i);
                    }
                    out.onCompleted();
                }))
                .addMethod(GrpcIT.FAIL, ServerCalls.asyncUnaryCall((req, out) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(GrpcIT.SERVED_BY, "grpc-tls-backend");
                    out.onError(Status.NOT_FOUND.withDescription("no such thing: " + req)
                            .asRuntimeException(trailers));
                }))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ManagedChannel channel(String listener) {
        return channels.computeIfAbsent(listener, l -> NettyChannelBuilder.forAddress("127.0.0.1", lb.port(l))
                .usePlaintext().build());
    }

    private static JsonNode awaitState(String pool, String address, String state) {
        Poll.until(Duration.ofSeconds(10), pool + " backend " + address + " " + state,
                () -> lb.admin().backend(pool, address).path("state").asText().equals(state));
        return lb.admin().backend(pool, address);
    }

    private static String detail(JsonNode backend) {
        return backend.path("lastCheck").path("detail").asText();
    }

    // Netty's HTTP/2 client: streams opened at once reach both TLS backends, each backend's share on one
    // backend connection (the one the first requests opened), with :scheme https; the checks pass over h2.
    @Test
    void h2ClientStreamsAreMultiplexedOnOneConnectionPerBackend() throws Exception {
        assertThat(detail(awaitState("h2", a.address(), "up"))).isEqualTo("HTTP 200");
        assertThat(detail(awaitState("h2", b.address(), "up"))).isEqualTo("HTTP 200");
        try (NettyH2Client client = new NettyH2Client(lb.port("h2"))) {
            // In turn first: round-robin sends one to each backend, opening this loop's connection to each.
            Map<String, String> connectionOf = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                NettyH2Client.Response r = client.get("app.test", "/first/" + i);
                r.done.get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                connectionOf.put(r.header("x-backend"), r.header("x-backend-connection"));
            }
            assertThat(connectionOf).containsOnlyKeys("a", "b");
            List<NettyH2Client.Response> responses = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                responses.add(client.get("app.test", "/burst/" + i));
            }
            Map<String, Integer> byBackend = new TreeMap<>();
            Map<String, Set<String>> connections = new TreeMap<>();
            for (NettyH2Client.Response r : responses) {
                r.done.get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                String backend = r.header("x-backend");
                assertThat(r.body()).isEqualTo("hello from " + backend);
                assertThat(r.header("x-seen-scheme")).isEqualTo("https");
                byBackend.merge(backend, 1, Integer::sum);
                connections.computeIfAbsent(backend, k -> new HashSet<>()).add(r.header("x-backend-connection"));
            }
            assertThat(byBackend).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 20, "b", 20)));
            assertThat(connections.get("a")).containsExactly(connectionOf.get("a"));
            assertThat(connections.get("b")).containsExactly(connectionOf.get("b"));
            // What the backends saw: the 42 requests came on that one connection each.
            assertThat(a.trafficConnections).contains(Integer.parseInt(connectionOf.get("a")));
            assertThat(b.trafficConnections).contains(Integer.parseInt(connectionOf.get("b")));
        }
    }

    // A burst of streams to a backend no connection was open to: the first opens one connection (connect and
    // handshake), the others wait for it instead of each opening its own, and all 30 arrive on it.
    @Test
    void burstToAColdBackendOpensOneConnection() throws Exception {
        try (NettyH2Client client = new NettyH2Client(lb.port("cold"))) {
            List<NettyH2Client.Response> responses = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                responses.add(client.get("app.test", "/cold/" + i));
            }
            Set<String> connections = new HashSet<>();
            for (NettyH2Client.Response r : responses) {
                r.done.get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello from cold");
                connections.add(r.header("x-backend-connection"));
            }
            assertThat(connections).containsExactly("1");
        }
        assertThat(cold.trafficConnections).containsExactly(1);
    }

    // An HTTP/1.1 client's requests become streams to the TLS backends: alternating, each backend's on one
    // connection.
    @Test
    void http11ClientReachesTheH2Backends() throws Exception {
        awaitState("h2", a.address(), "up");
        awaitState("h2", b.address(), "up");
        Map<String, Integer> byBackend = new TreeMap<>();
        Map<String, Set<String>> connections = new TreeMap<>();
        try (RawClient c = new RawClient(lb.port("h2"))) {
            for (int i = 0; i < 10; i++) {
                RawClient.Response r = c.send("GET /one/" + i + " HTTP/1.1\r\nHost: app.test\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                String backend = r.header("x-backend");
                assertThat(r.text()).isEqualTo("hello from " + backend);
                byBackend.merge(backend, 1, Integer::sum);
                connections.computeIfAbsent(backend, k -> new HashSet<>()).add(r.header("x-backend-connection"));
            }
        }
        assertThat(byBackend).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 5, "b", 5)));
        assertThat(connections.get("a")).hasSize(1);
        assertThat(connections.get("b")).hasSize(1);
    }

    // gRPC over protocol: h2: a unary call with its trailers, a server-streaming call in order, and a non-OK
    // status with its message and trailers, end to end through the TLS connection.
    @Test
    void grpcCallsOverTls() {
        assertThat(detail(awaitState("grpc", "127.0.0.1:" + grpc.getPort(), "up"))).isEqualTo("gRPC SERVING");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var ch = ClientInterceptors.intercept(channel("grpc"),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        assertThat(ClientCalls.blockingUnaryCall(ch, GrpcIT.ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hello")).isEqualTo("echo over TLS: hello");
        Iterator<String> items = ClientCalls.blockingServerStreamingCall(channel("grpc"), GrpcIT.COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "4");
        List<String> got = new ArrayList<>();
        items.forEachRemaining(got::add);
        assertThat(got).containsExactly("item 1", "item 2", "item 3", "item 4");
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, GrpcIT.FAIL,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "widget"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: widget");
                    assertThat(e.getTrailers().get(GrpcIT.SERVED_BY)).isEqualTo("grpc-tls-backend");
                });
    }

    // A gRPC check of a named service: SERVING keeps the backend up; NOT_SERVING for that service takes it
    // down with that reason (calls then get UNAVAILABLE), while the server-as-a-whole pool stays up; SERVING
    // brings it back.
    @Test
    void namedServiceCheckFollowsItsStatus() {
        String address = "127.0.0.1:" + grpc.getPort();
        assertThat(detail(awaitState("grpc-named", address, "up"))).isEqualTo("gRPC SERVING for service '"
                + NAMED + "'");
        try {
            grpcHealth.setStatus(NAMED, ServingStatus.NOT_SERVING);
            JsonNode down = awaitState("grpc-named", address, "down");
            assertThat(detail(down)).isEqualTo("gRPC NOT_SERVING for service '" + NAMED + "' (expected SERVING)");
            assertThat(lb.output()).contains("pool grpc-named backend " + address + " up -> down");
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel("grpc-named"), GrpcIT.ECHO,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "while down"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(lb.admin().backend("grpc", address).path("state").asText()).isEqualTo("up");
        } finally {
            grpcHealth.setStatus(NAMED, ServingStatus.SERVING);
        }
        awaitState("grpc-named", address, "up");
        assertThat(ClientCalls.blockingUnaryCall(channel("grpc-named"), GrpcIT.ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "back")).isEqualTo("echo over TLS: back");
    }

    // A service the server does not know: its health service answers NOT_FOUND, and the check says so.
    @Test
    void unknownServiceFailsTheCheck() {
        JsonNode down = awaitState("grpc-unknown", "127.0.0.1:" + grpc.getPort(), "down");
        assertThat(detail(down)).isEqualTo("grpc-status 5 NOT_FOUND for service 'no.Such' (unknown service no.Such)");
    }

    // A CA that did not sign the backend's certificate: the h2 check fails naming the verification; 503.
    @Test
    void wrongCaFailsTheCheck() throws Exception {
        JsonNode down = awaitState("wrong-ca", a.address(), "down");
        assertThat(detail(down)).isEqualTo("TLS handshake failed: certificate verify failed: PKIX path building "
                + "failed: unable to find valid certification path to requested target");
        try (RawClient c = new RawClient(lb.port("wrong-ca"))) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n").read().status()).isEqualTo(503);
        }
    }

    // A backend that speaks only HTTP/1.1 over TLS (no ALPN): down with the ALPN reason, never used as HTTP/1.1;
    // without checks, a request to it is a failed connection (502) and the log names the reason.
    @Test
    void http11OnlyBackendIsDownWithTheAlpnReason() throws Exception {
        JsonNode down = awaitState("http11-only", http11Only.address(), "down");
        assertThat(detail(down)).isEqualTo(NOT_H2);
        assertThat(lb.output()).contains("pool http11-only backend " + http11Only.address() + " up -> down");
        try (RawClient c = new RawClient(lb.port("http11-passive"))) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n").read().status()).isEqualTo(502);
        }
        Poll.until(Duration.ofSeconds(10), "the request's handshake failure in the log",
                () -> lb.output().contains("pool http11-passive backend " + http11Only.address() + ": " + NOT_H2));
    }
}
