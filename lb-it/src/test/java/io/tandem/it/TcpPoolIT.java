package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code mode: tcp} listeners with the built jar: bytes forwarded both ways unchanged, round-robin and
 * the hot spare, connect retries, the idle timeout, the PROXY header to backends, and what the access
 * log, /status and /metrics say of each connection. The backends are raw loopback servers that greet
 * each connection with their name and then echo every line.
 */
class TcpPoolIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    /** Greets with "I am NAME", then echoes each line as "NAME: LINE". */
    private RawBackend named(String name) throws IOException {
        return lb.raw(s -> {
            OutputStream out = s.getOutputStream();
            out.write(("I am " + name + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            String line;
            while ((line = in.readLine()) != null) {
                out.write((name + ": " + line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
    }

    /**
     * The fields after {@code tcp} of the access-log line of listener {@code listener}'s session from client
     * port {@code port} (BACKEND RECEIVED SENT SECONDS ENDING), once it is logged.
     */
    private String[] sessionLogFields(String listener, int port) {
        String needle = " " + listener + " 127.0.0.1:" + port + " tcp ";
        Poll.until(Duration.ofSeconds(5), "the access-log line", () -> lb.output().contains(needle));
        String line = Arrays.stream(lb.output().split("\n")).filter(l -> l.contains(needle)).findFirst().orElseThrow();
        return line.substring(line.indexOf(needle) + needle.length()).trim().split(" ");
    }

    /** The greeting of one new connection through listener {@code listener}, after one echoed line. */
    private String greeting(String listener) throws IOException {
        try (TcpClient c = new TcpClient(lb.port(listener))) {
            String hello = c.line();
            c.send("ping\r\n");
            assertThat(c.line()).isEqualTo(hello.substring("I am ".length()) + ": ping");
            return hello;
        }
    }

    // Round-robin spreads connections a, b, a, b, and each one's bytes go both ways unchanged.
    @Test
    void roundRobinForwardsBytesBothWays() throws Exception {
        RawBackend a = named("a");
        RawBackend b = named("b");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.strategy("round-robin").health("type: tcp, interval: 200ms").backends(a, b));
        lb.start();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(greeting("db"));
        }
        assertThat(seen).containsExactly("I am a", "I am b", "I am a", "I am b");
        // 64 KiB of binary bytes, every value, come back unchanged in one connection.
        byte[] payload = new byte[64 * 1024];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        RawBackend echo = lb.raw(s -> s.getInputStream().transferTo(s.getOutputStream()));
        lb.config().pool("db", p -> p.clearBackends().backend(echo));
        lb.writeConfig();
        assertThat(lb.reload().statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "the echo backend up", () ->
                "up".equals(lb.admin().backend("db", echo.address()).path("state").asText()));
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            c.send(payload);
            assertThat(c.read(payload.length)).isEqualTo(payload);
        }
    }

    // With the primary down, new connections go to the backup; with it back, to the primary again.
    @Test
    void backupTakesConnectionsOnlyWhileNoPrimaryIsUp() throws Exception {
        RawBackend spare = named("spare");
        RawBackend primary = named("primary");
        int primaryPort = primary.port();
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.health("type: tcp, interval: 100ms, rise: 1, fall: 1")
                        .backend(primary).backend(spare, "backup: true"));
        lb.start();
        assertThat(greeting("db")).isEqualTo("I am primary");
        assertThat(greeting("db")).isEqualTo("I am primary");
        primary.close();
        Poll.until(Duration.ofSeconds(10), "the primary marked down", () ->
                "down".equals(lb.admin().backend("db", "127.0.0.1:" + primaryPort).path("state").asText()));
        assertThat(greeting("db")).isEqualTo("I am spare");
        assertThat(greeting("db")).isEqualTo("I am spare");
    }

    // A refused connect is retried on the next backend before any byte, so the client never sees it.
    @Test
    void refusedConnectIsRetriedOnTheNextBackend() throws Exception {
        RawBackend b = named("b");
        String dead = TandemFixture.unusedAddress();
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.strategy("round-robin").retries(1).backend(dead).backend(b));
        lb.start();
        for (int i = 0; i < 4; i++) {
            assertThat(greeting("db")).isEqualTo("I am b");
        }
        PrometheusText m = lb.admin().metrics();
        assertThat(m.value("tandem_tcp_sessions_total", "listener", "db", "pool", "db", "backend", b.address(),
                "result", "forwarded")).isEqualTo(4.0);
        // Round-robin starts each connection at the dead backend in turn (a, b, a, b: the retry takes the b):
        // every one of the four was retried once.
        assertThat(m.value("tandem_retries_total", "pool", "db", "cause", "connect-failure")).isEqualTo(4.0);
    }

    // With no backend reachable the client's connection is closed without a byte, and counted as failed.
    @Test
    void noBackendClosesTheClient() throws Exception {
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.retries(0).backend(TandemFixture.unusedAddress()));
        lb.start();
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            assertThat(c.readByte()).isEqualTo(-1);
        }
        Poll.until(Duration.ofSeconds(5), "the failed session counted", () -> lb.admin().metrics()
                .value("tandem_tcp_sessions_total", "listener", "db", "pool", "db", "backend", "",
                        "result", "failed") == 1.0);
    }

    // A connection without a byte either way for the listener's idle timeout is closed; the log says why.
    @Test
    void idleConnectionIsClosedAndLogged() throws Exception {
        RawBackend a = named("a");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp").timeouts("idle: 300ms")
                        .accessLog("enabled: true"))
                .pool("db", p -> p.backend(a));
        lb.start();
        int port;
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            port = c.localPort();
            assertThat(c.line()).isEqualTo("I am a");
            c.send("hello\r\n");
            assertThat(c.line()).isEqualTo("a: hello");
            assertThat(c.readByte()).isEqualTo(-1);
        }
        // TIME LISTENER CLIENT tcp BACKEND RECEIVED SENT SECONDS ENDING
        String[] f = sessionLogFields("db", port);
        assertThat(f[0]).isEqualTo(a.address());
        assertThat(f[1]).isEqualTo("7");                            // "hello\r\n"
        assertThat(f[2]).isEqualTo(Integer.toString(8 + 10));       // "I am a\r\n" + "a: hello\r\n"
        assertThat(Double.parseDouble(f[3])).isGreaterThanOrEqualTo(0.3);
        assertThat(f[4]).isEqualTo("idle-timeout");
    }

    // Once the backend is connected, the pool's idle timeout counts too: the shorter of the two closes a
    // session with no byte either way, whichever side's it is.
    @Test
    void poolsShorterIdleTimeoutClosesASplicedSession() throws Exception {
        RawBackend a = named("a");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp").timeouts("idle: 60s")
                        .accessLog("enabled: true"))
                .pool("db", p -> p.backend(a).timeouts("idle: 300ms"));
        lb.start();
        int port;
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            port = c.localPort();
            assertThat(c.line()).isEqualTo("I am a");
            assertThat(c.readByte()).isEqualTo(-1);
        }
        String[] f = sessionLogFields("db", port);
        assertThat(f[0]).isEqualTo(a.address());
        assertThat(f[2]).isEqualTo("8");                            // "I am a\r\n"
        assertThat(Double.parseDouble(f[3])).isBetween(0.3, 30.0);
        assertThat(f[4]).isEqualTo("idle-timeout");
    }

    // Half-closes pass through: a client that sends its request and then a FIN still gets the answer, which
    // the backend writes only after that FIN; a backend that ends its output first still gets the client's
    // bytes. The session is logged once both directions have ended.
    @Test
    void halfClosePassesThroughBothWays() throws Exception {
        // Reads to the end of the client's stream, then answers with what it read, then closes.
        RawBackend counter = lb.raw(s -> {
            byte[] all = s.getInputStream().readAllBytes();
            s.getOutputStream().write(("read " + all.length + " bytes: " + new String(all, StandardCharsets.US_ASCII)
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        });
        List<String> heardAfterFin = java.util.Collections.synchronizedList(new ArrayList<>());
        // Greets, ends its output at once, then records what the client still sends.
        RawBackend greeter = lb.raw(s -> {
            s.getOutputStream().write("bye\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.shutdownOutput();
            heardAfterFin.add(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        });
        lb.config().listener("count", "count", l -> l.set("mode", "tcp").accessLog("enabled: true"))
                .listener("greet", "greet", l -> l.set("mode", "tcp"))
                .pool("count", p -> p.backend(counter))
                .pool("greet", p -> p.backend(greeter));
        lb.start();
        int port;
        try (TcpClient c = new TcpClient(lb.port("count"))) {
            port = c.localPort();
            c.send("question").shutdownOutput();
            assertThat(c.line()).isEqualTo("read 8 bytes: question");
            assertThat(c.readByte()).isEqualTo(-1);
        }
        try (TcpClient c = new TcpClient(lb.port("greet"))) {
            assertThat(c.line()).isEqualTo("bye");
            assertThat(c.readByte()).isEqualTo(-1);
            c.send("still here").shutdownOutput();
            Poll.until(Duration.ofSeconds(10), "the greeter heard the client after its own FIN",
                    () -> !heardAfterFin.isEmpty());
        }
        assertThat(heardAfterFin).containsExactly("still here");
        // One line for the session: 8 bytes received, the answer's 24 sent, ended by the client (its FIN came first).
        String[] f = sessionLogFields("count", port);
        assertThat(f[0]).isEqualTo(counter.address());
        assertThat(f[1]).isEqualTo("8");
        assertThat(f[2]).isEqualTo(Integer.toString("read 8 bytes: question\r\n".length()));
        assertThat(f[4]).isEqualTo("client-closed");
    }

    // A pool with proxy-protocol: v1 starts each backend connection with the client's addresses.
    @Test
    void proxyHeaderGoesToTheBackendFirst() throws Exception {
        RawBackend echoFirstLine = lb.raw(s -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String header = in.readLine();
            String next = in.readLine();
            s.getOutputStream().write((header + "|" + next + "\r\n").getBytes(StandardCharsets.US_ASCII));
        });
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.set("proxy-protocol", "v1").backend(echoFirstLine));
        lb.start();
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            c.send("first\r\n");
            assertThat(c.line()).isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 " + c.localPort() + " " + lb.port("db")
                    + "|first");
        }
    }

    // Behind another balancer: the PROXY header a trusted source starts with gives the client's address, which
    // the access log shows and the header to the backend carries; the bytes after it pass unchanged. A source
    // outside `from`, or a connection without a header, is closed unread and counted.
    @Test
    void proxyHeaderAcceptedFromATrustedBalancer() throws Exception {
        RawBackend echoFirstLine = lb.raw(s -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String header = in.readLine();
            String next = in.readLine();
            s.getOutputStream().write((header + "|" + next + "\r\n").getBytes(StandardCharsets.US_ASCII));
        });
        lb.config().listener("db", "db", l -> l.set("mode", "tcp").accessLog("enabled: true")
                        .set("proxy-protocol", "{ accept: true, from: [127.0.0.1/32] }"))
                .listener("strict", "db", l -> l.set("mode", "tcp")
                        .set("proxy-protocol", "{ accept: true, from: [10.0.0.0/8] }"))
                .pool("db", p -> p.set("proxy-protocol", "v1").backend(echoFirstLine));
        lb.start();
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            c.send("PROXY TCP4 203.0.113.7 192.0.2.1 5555 3306\r\nfirst\r\n");
            assertThat(c.line()).isEqualTo("PROXY TCP4 203.0.113.7 192.0.2.1 5555 3306|first");
        }
        Poll.until(Duration.ofSeconds(5), "the access-log line of 203.0.113.7",
                () -> lb.output().contains(" db 203.0.113.7:5555 tcp " + echoFirstLine.address() + " "));
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            c.send("first\r\nsecond\r\n");
            assertThat(c.readByte()).isEqualTo(-1);
        }
        try (TcpClient c = new TcpClient(lb.port("strict"))) {
            assertThat(c.readByte()).isEqualTo(-1);
        }
        PrometheusText m = lb.admin().metrics();
        assertThat(m.value("tandem_proxy_protocol_rejected_total", "listener", "db", "reason", "missing"))
                .isEqualTo(1.0);
        assertThat(m.value("tandem_proxy_protocol_rejected_total", "listener", "strict", "reason", "untrusted"))
                .isEqualTo(1.0);
        assertThat(echoFirstLine.connections.get()).isEqualTo(1);
    }

    // /status names the listener's mode and counts a live session as the backend's active request.
    @Test
    void statusShowsModeAndActiveSessions() throws Exception {
        RawBackend a = named("a");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp")).pool("db", p -> p.backend(a));
        lb.start();
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            assertThat(c.line()).isEqualTo("I am a");
            JsonNode status = lb.admin().status();
            assertThat(status.path("listeners").get(0).path("mode").asText()).isEqualTo("tcp");
            assertThat(lb.admin().backend("db", a.address()).path("activeRequests").asInt()).isEqualTo(1);
            assertThat(lb.admin().backend("db", a.address()).path("connections").asInt()).isEqualTo(1);
        }
        Poll.until(Duration.ofSeconds(5), "the session ended", () ->
                lb.admin().backend("db", a.address()).path("activeRequests").asInt() == 0);
    }

    // With on-down, a session to a backend that fails its checks is closed after the grace, and logged so.
    @Test
    void onDownClosesSessionsOfADownBackend() throws Exception {
        RawBackend a = named("a");
        RawBackend spare = named("spare");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp").accessLog("enabled: true"))
                .pool("db", p -> p.health("type: tcp, interval: 100ms, rise: 1, fall: 1")
                        .set("on-down", "{ close-connections-after: 200ms }")
                        .backend(a).backend(spare, "backup: true"));
        lb.start();
        try (TcpClient c = new TcpClient(lb.port("db"))) {
            assertThat(c.line()).isEqualTo("I am a");
            c.send("still there\r\n");
            assertThat(c.line()).isEqualTo("a: still there");
            // a stops accepting (its checks fail); the session's own socket stays open on a's side.
            a.close();
            assertThat(c.readByte()).isEqualTo(-1);
            String needle = " db 127.0.0.1:" + c.localPort() + " tcp " + a.address() + " ";
            Poll.until(Duration.ofSeconds(5), "the access-log line", () -> lb.output().contains(needle));
            String line = Arrays.stream(lb.output().split("\n")).filter(l -> l.contains(needle)).findFirst()
                    .orElseThrow();
            assertThat(line).endsWith(" backend-down");
        }
        assertThat(lb.output()).contains("backend " + a.address() + " down for 200ms: closed 1 connection(s) (on-down)");
        // The client reconnects and reaches the spare.
        assertThat(greeting("db")).isEqualTo("I am spare");
    }

    // A reload that turns an HTTP listener into a tcp one (same bind) applies to the next connection.
    @Test
    void reloadSwitchesAListenerToTcp() throws Exception {
        StubBackend web = lb.stub("web");
        RawBackend a = named("a");
        lb.config().listener("edge", "web").pool("web", p -> p.backend(web)).pool("db", p -> p.backend(a));
        lb.start();
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(lb.uri("edge", "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("X-Backend")).hasValue("web");
        lb.config().listener("edge", "db", l -> l.set("mode", "tcp"));
        lb.writeConfig();
        assertThat(lb.reload().statusCode()).isEqualTo(200);
        assertThat(greeting("edge")).isEqualTo("I am a");
        assertThat(lb.admin().status().path("listeners").get(0).path("mode").asText()).isEqualTo("tcp");
    }

    // least-connections counts open sessions: while one to a stays open, the next goes to b, then a again.
    @Test
    void leastConnectionsCountsOpenSessions() throws Exception {
        RawBackend a = named("a");
        RawBackend b = named("b");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.strategy("least-connections").backends(a, b));
        lb.start();
        try (TcpClient held = new TcpClient(lb.port("db"))) {
            String first = held.line();
            RawBackend otherBackend = first.equals("I am a") ? b : a;
            for (int i = 0; i < 3; i++) {
                assertThat(greeting("db")).isEqualTo(first.equals("I am a") ? "I am b" : "I am a");
                // The session just closed ends on Tandem's side a moment later; until then the two are tied.
                Poll.until(Duration.ofSeconds(5), "the short session ended", () ->
                        lb.admin().backend("db", otherBackend.address()).path("activeRequests").asInt() == 0);
            }
        }
        Poll.until(Duration.ofSeconds(5), "the held session ended", () ->
                lb.admin().backend("db", a.address()).path("activeRequests").asInt() == 0
                        && lb.admin().backend("db", b.address()).path("activeRequests").asInt() == 0);
    }

    // consistent-hash on the client address sends every connection from one address to one backend.
    @Test
    void consistentHashKeepsAClientOnOneBackend() throws Exception {
        RawBackend a = named("a");
        RawBackend b = named("b");
        RawBackend c = named("c");
        lb.config().listener("db", "db", l -> l.set("mode", "tcp"))
                .pool("db", p -> p.strategy("consistent-hash").set("hash-on", "source-ip").backends(a, b, c));
        lb.start();
        String first = greeting("db");
        for (int i = 0; i < 5; i++) {
            assertThat(greeting("db")).isEqualTo(first);
        }
    }
}
