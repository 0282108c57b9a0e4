package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCP pools in front of real Redis and memcached servers that the test starts on loopback: the Redis
 * check with {@code role: master} follows a switch of master and replica, and the send-expect check
 * ({@code version} / {@code VERSION }) takes a stopped memcached out of rotation. Every answer is read
 * byte for byte and names the server that gave it.
 */
class RedisMemcachedIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private ServerProcess redis(String name, int port, String... extra) throws IOException {
        Path dir = Files.createDirectories(lb.dir().resolve(name));
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(List.of(extra));
        return lb.closeAfter(ServerProcess.start(lb.dir(), name, port, Duration.ofSeconds(20), cmd));
    }

    private ServerProcess memcached(String name, int port) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("memcached", "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "0"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // memcached refuses to run as root unless told so (CI runs as root)
        }
        return lb.closeAfter(ServerProcess.start(lb.dir(), name, port, Duration.ofSeconds(20), cmd));
    }

    /** One RESP command on a new connection to {@code port}, and the exact reply of {@code replyBytes} bytes. */
    private static String redisCall(int port, int replyBytes, String... words) throws IOException {
        StringBuilder b = new StringBuilder("*" + words.length + "\r\n");
        for (String w : words) {
            b.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
        }
        try (TcpClient c = new TcpClient(port)) {
            c.send(b.toString());
            return new String(c.read(replyBytes), StandardCharsets.ISO_8859_1);
        }
    }

    /** The reply to CONFIG GET port: an array of "port" and the server's own port, which names it. */
    private static String configGetPort(int serverPort) {
        String p = Integer.toString(serverPort);
        return "*2\r\n$4\r\nport\r\n$" + p.length() + "\r\n" + p + "\r\n";
    }

    private String state(String pool, ServerProcess s) {
        return lb.admin().backend(pool, s.address()).path("state").asText();
    }

    // Only the server that reports role:master takes connections; after master and replica swap, the other does.
    @Test
    void redisRoleCheckFollowsTheMaster() throws Exception {
        int[] ports = Ports.free(2);
        ServerProcess first = redis("redis-a", ports[0]);
        ServerProcess second = redis("redis-b", ports[1], "--replicaof", "127.0.0.1", Integer.toString(ports[0]));
        lb.config().listener("redis", "redis", l -> l.set("mode", "tcp"))
                .pool("redis", p -> p.health("type: redis, role: master, interval: 100ms, rise: 1, fall: 1")
                        .backends(first, second));
        lb.start();
        assertThat(state("redis", first)).isEqualTo("up");
        assertThat(state("redis", second)).isEqualTo("down");
        JsonNode last = lb.admin().backend("redis", second.address()).path("lastCheck");
        assertThat(last.path("detail").asText()).isEqualTo("role:slave, expected role:master");
        int tandem = lb.port("redis");
        String expected = configGetPort(ports[0]);
        for (int i = 0; i < 3; i++) {
            assertThat(redisCall(tandem, expected.length(), "CONFIG", "GET", "port")).isEqualTo(expected);
        }
        assertThat(redisCall(tandem, 5, "SET", "k", "v")).isEqualTo("+OK\r\n");
        // Swap: the replica becomes master, the old master its replica.
        assertThat(redisCall(ports[1], 5, "REPLICAOF", "NO", "ONE")).isEqualTo("+OK\r\n");
        assertThat(redisCall(ports[0], 5, "REPLICAOF", "127.0.0.1", Integer.toString(ports[1]))).isEqualTo("+OK\r\n");
        Poll.until(Duration.ofSeconds(10), "the new master up and the old one down", () ->
                state("redis", second).equals("up") && state("redis", first).equals("down"));
        String now = configGetPort(ports[1]);
        for (int i = 0; i < 3; i++) {
            assertThat(redisCall(tandem, now.length(), "CONFIG", "GET", "port")).isEqualTo(now);
        }
    }

    // send-expect (version -> VERSION) keeps memcached servers in rotation; a stopped one is taken out.
    @Test
    void memcachedSendExpectCheck() throws Exception {
        int[] ports = Ports.free(2);
        ServerProcess a = memcached("memcached-a", ports[0]);
        ServerProcess b = memcached("memcached-b", ports[1]);
        // Each server holds its own name under "who", written directly.
        for (ServerProcess s : List.of(a, b)) {
            try (TcpClient c = new TcpClient(s.port)) {
                c.send("set who 0 0 " + s.name.length() + "\r\n" + s.name + "\r\n");
                assertThat(c.line()).isEqualTo("STORED");
            }
        }
        lb.config().listener("cache", "cache", l -> l.set("mode", "tcp"))
                .pool("cache", p -> p.strategy("round-robin")
                        .health("type: send-expect, send: \"version\\r\\n\", expect: \"VERSION \", interval: 100ms, "
                                + "rise: 1, fall: 1")
                        .backends(a, b));
        lb.start();
        assertThat(lb.admin().backend("cache", a.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("answer has 'VERSION '");
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answered.add(memcachedGet(lb.port("cache")));
        }
        assertThat(answered).containsExactly("memcached-a", "memcached-b", "memcached-a", "memcached-b");
        b.stop();
        Poll.until(Duration.ofSeconds(10), "memcached-b down", () -> state("cache", b).equals("down"));
        for (int i = 0; i < 3; i++) {
            assertThat(memcachedGet(lb.port("cache"))).isEqualTo("memcached-a");
        }
    }

    /** {@code get who} on a new connection through Tandem: the name of the server that answered. */
    private static String memcachedGet(int port) throws IOException {
        try (TcpClient c = new TcpClient(port)) {
            c.send("get who\r\n");
            String value = c.line();
            assertThat(value).startsWith("VALUE who 0 ");
            String name = c.line();
            assertThat(c.line()).isEqualTo("END");
            return name;
        }
    }
}
