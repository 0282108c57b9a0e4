package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.tandem.config.HealthConfig;
import io.tandem.config.HostPort;
import io.tandem.config.StatusRanges;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The probes against real sockets on loopback. */
class HealthProbeTest {

    static final Transport transport = Transport.nio();
    static EventLoopGroup group;
    static EventLoop loop;
    static HttpServer server;
    static final Map<String, String> seen = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        group = transport.newGroup(1, "probe-test");
        loop = group.next();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            seen.put("host", ex.getRequestHeaders().getFirst("Host"));
            seen.put("method", ex.getRequestMethod());
            String path = ex.getRequestURI().getPath();
            int status = path.startsWith("/status/") ? Integer.parseInt(path.substring(8)) : 200;
            byte[] body = ("state: all good at " + path).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                if (!ex.getRequestMethod().equals("HEAD")) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static HealthConfig http(String path, String method, String host, String expectBody) {
        return new HealthConfig(path, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2,
                StatusRanges.parse("200-399"), HealthConfig.Type.HTTP, method, host,
                expectBody, Duration.ofSeconds(1), HealthConfig.InitialState.PROBE);
    }

    private static Backend backend(int port) {
        return new Backend(new HostPort("127.0.0.1", port), 1, false);
    }

    private static ProbeResult run(HealthProbe probe, int port) throws Exception {
        // Generous: the first check of a cold JVM on a busy machine may take a few hundred ms.
        return run(probe, port, Duration.ofSeconds(3));
    }

    private static ProbeResult run(HealthProbe probe, int port, Duration timeout) throws Exception {
        return probe.probe(loop, backend(port), timeout).get(10, TimeUnit.SECONDS);
    }

    private static int serverPort() {
        return server.getAddress().getPort();
    }

    // A 200 passes, and the Host header is the backend's address by default.
    @Test
    void passesWithDefaultHost() throws Exception {
        ProbeResult r = run(HealthProbe.http(http("/healthz", "GET", null, null), transport, null, null), serverPort());
        assertThat(r).isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "HTTP 200"));
        assertThat(seen.get("host")).isEqualTo("127.0.0.1:" + serverPort());
        assertThat(seen.get("method")).isEqualTo("GET");
    }

    // The configured Host header and method are sent.
    @Test
    void sendsConfiguredHostAndMethod() throws Exception {
        ProbeResult r = run(HealthProbe.http(http("/", "HEAD", "www.example.com", null), transport, null, null),
                serverPort());
        assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.PASS);
        assertThat(seen.get("host")).isEqualTo("www.example.com");
        assertThat(seen.get("method")).isEqualTo("HEAD");
    }

    // A status outside expect-status fails and says which status it was.
    @Test
    void unexpectedStatusFails() throws Exception {
        ProbeResult r = run(HealthProbe.http(http("/status/500", "GET", null, null), transport, null, null), serverPort());
        assertThat(r).isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "HTTP 500 (expected 200-399)"));
    }

    // expect-body passes when the body contains the text and fails when it does not.
    @Test
    void expectBody() throws Exception {
        assertThat(run(HealthProbe.http(http("/x", "GET", null, "all good"), transport, null, null), serverPort()))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "HTTP 200, body has the expected text"));
        assertThat(run(HealthProbe.http(http("/x", "GET", null, "maintenance"), transport, null, null), serverPort()))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "HTTP 200, body lacks 'maintenance'"));
    }

    // A closed port fails at once with "connection refused", for HTTP and TCP checks.
    @Test
    void refusedConnectionFails() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(run(HealthProbe.http(http("/", "GET", null, null), transport, null, null), closed))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "connection refused"));
        assertThat(run(HealthProbe.tcp(http("/", "GET", null, null), transport, null, null), closed))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "connection refused"));
    }

    // A backend that accepts but never answers times out after the check timeout.
    @Test
    void silentBackendTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            ProbeResult r = run(HealthProbe.http(http("/", "GET", null, null), transport, null, null),
                    silent.getLocalPort(), Duration.ofMillis(300));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r).isEqualTo(new ProbeResult(ProbeResult.Outcome.TIMEOUT, "no answer within 300ms"));
            assertThat(tookMillis).isGreaterThanOrEqualTo(290);
        }
    }

    // A TCP check passes as soon as the connection is accepted.
    @Test
    void tcpConnectPasses() throws Exception {
        assertThat(run(HealthProbe.tcp(http("/", "GET", null, null), transport, null, null), serverPort()))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "connected"));
    }

    // A pool that sends the PROXY protocol checks with a header first: v2 LOCAL before the HTTP request.
    @Test
    void httpCheckSendsAV2LocalHeaderFirst() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            io.netty.util.concurrent.Future<ProbeResult> result = HealthProbe.http(http("/healthz", "GET", null, null),
                    transport, null, io.netty.handler.codec.haproxy.HAProxyProtocolVersion.V2)
                    .probe(loop, backend(backend.getLocalPort()), Duration.ofSeconds(3));
            try (java.net.Socket s = backend.accept()) {
                s.setSoTimeout(5000);
                byte[] header = s.getInputStream().readNBytes(16);
                assertThat(header).containsExactly(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
                        0x0A, 0x20, 0x00, 0x00, 0x00);
                byte[] line = s.getInputStream().readNBytes(17);
                assertThat(new String(line, StandardCharsets.ISO_8859_1)).isEqualTo("GET /healthz HTTP");
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS,
                        "HTTP 200"));
            }
        }
    }

    // A TCP check of a v1 pool sends PROXY UNKNOWN and passes once it is written.
    @Test
    void tcpCheckSendsAV1UnknownHeader() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            io.netty.util.concurrent.Future<ProbeResult> result = HealthProbe.tcp(http("/", "GET", null, null),
                    transport, null, io.netty.handler.codec.haproxy.HAProxyProtocolVersion.V1)
                    .probe(loop, backend(backend.getLocalPort()), Duration.ofSeconds(3));
            try (java.net.Socket s = backend.accept()) {
                s.setSoTimeout(5000);
                assertThat(new String(s.getInputStream().readNBytes(15), StandardCharsets.ISO_8859_1))
                        .isEqualTo("PROXY UNKNOWN\r\n");
            }
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS,
                    "connected, PROXY header sent"));
        }
    }
}
