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
            byte[] body = (path.equals("/big") ? "x".repeat(20_000) + "needle" : "state: all good at " + path)
                    .getBytes(StandardCharsets.UTF_8);
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
    // The text at the end of a body of many reads is found: the buffer's growth is not taken for its end.
    @Test
    void expectBodyAcrossManyReads() throws Exception {
        assertThat(run(HealthProbe.http(http("/big", "GET", null, "needle"), transport, null, null), server.getAddress()
                .getPort())).isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "HTTP 200, body has the expected text"));
    }

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

    private static HealthConfig tcpCheck(HealthConfig.Type type, String send, String expect, String expectRegex,
                                         String role) {
        return new HealthConfig("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2,
                StatusRanges.parse("200-399"), type, "GET", null, null, Duration.ofSeconds(1),
                HealthConfig.InitialState.PROBE, send, expect, expectRegex, role);
    }

    /** Runs {@code probe} against a one-connection server that reads {@code expectRead} bytes, then writes {@code answer}. */
    private static ProbeResult converse(HealthProbe probe, String expectRead, String answer) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            io.netty.util.concurrent.Future<ProbeResult> result =
                    probe.probe(loop, backend(backend.getLocalPort()), Duration.ofSeconds(3));
            try (java.net.Socket s = backend.accept()) {
                s.setSoTimeout(5000);
                assertThat(new String(s.getInputStream().readNBytes(expectRead.length()), StandardCharsets.ISO_8859_1))
                        .isEqualTo(expectRead);
                // The answer in two writes: a check reads on until its verdict.
                int half = answer.length() / 2;
                s.getOutputStream().write(answer.substring(0, half).getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                s.getOutputStream().write(answer.substring(half).getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
            // The server has closed: a check still waiting then fails for it.
            return result.get(10, TimeUnit.SECONDS);
        }
    }

    // send-expect sends its bytes and passes on the expected bytes, split over two reads.
    @Test
    void sendExpectFindsTheBytes() throws Exception {
        HealthProbe p = HealthProbe.of(tcpCheck(HealthConfig.Type.SEND_EXPECT, "version\r\n", "VERSION 1.6", null,
                null), transport, null, null);
        assertThat(converse(p, "version\r\n", "VERSION 1.6.18\r\n"))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "answer has 'VERSION 1.6'"));
    }

    // send-expect with a regex and nothing to send reads a banner; a close without a match fails.
    @Test
    void sendExpectRegexOnABanner() throws Exception {
        HealthProbe p = HealthProbe.of(tcpCheck(HealthConfig.Type.SEND_EXPECT, null, null, "^220 .*ESMTP", null),
                transport, null, null);
        assertThat(converse(p, "", "220 mail.example.com ESMTP Postfix\r\n"))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "answer has a match of /^220 .*ESMTP/"));
        assertThat(converse(p, "", "421 too busy\r\n"))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL,
                        "connection closed before an answer with a match of /^220 .*ESMTP/"));
    }

    // The Redis check sends PING, then INFO replication, and requires the role asked for.
    @Test
    void redisCheckRequiresTheRole() throws Exception {
        HealthProbe master = HealthProbe.of(tcpCheck(HealthConfig.Type.REDIS, null, null, null, "master"),
                transport, null, null);
        String info = "# Replication\r\nrole:slave\r\n";
        String ping = "*1\r\n$4\r\nPING\r\n";
        String infoCommand = "*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n";
        // The server answers PONG and the INFO at once, after both commands arrived.
        assertThat(converseRedis(master, ping, "+PONG\r\n", infoCommand, "$" + info.length() + "\r\n" + info + "\r\n"))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "role:slave, expected role:master"));
        HealthProbe plain = HealthProbe.of(tcpCheck(HealthConfig.Type.REDIS, null, null, null, null),
                transport, null, null);
        assertThat(converse(plain, ping, "-NOAUTH Authentication required.\r\n"))
                .isEqualTo(new ProbeResult(ProbeResult.Outcome.FAIL, "PING answered -NOAUTH Authentication required."));
        assertThat(converse(plain, ping, "+PONG\r\n")).isEqualTo(new ProbeResult(ProbeResult.Outcome.PASS, "PONG"));
    }

    private static ProbeResult converseRedis(HealthProbe probe, String first, String firstAnswer, String second,
                                             String secondAnswer) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            io.netty.util.concurrent.Future<ProbeResult> result =
                    probe.probe(loop, backend(backend.getLocalPort()), Duration.ofSeconds(3));
            try (java.net.Socket s = backend.accept()) {
                s.setSoTimeout(5000);
                assertThat(new String(s.getInputStream().readNBytes(first.length()), StandardCharsets.ISO_8859_1))
                        .isEqualTo(first);
                s.getOutputStream().write(firstAnswer.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(new String(s.getInputStream().readNBytes(second.length()), StandardCharsets.ISO_8859_1))
                        .isEqualTo(second);
                s.getOutputStream().write(secondAnswer.getBytes(StandardCharsets.ISO_8859_1));
                return result.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
