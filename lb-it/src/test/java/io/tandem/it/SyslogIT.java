package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Access lines of the real daemon sent to syslog servers this test opens on
 * loopback: a UDP socket and a TCP server, each asserted frame by frame
 * (RFC 5424 header, RFC 6587 octet counting on TCP); and a server that is
 * down, whose lines are dropped and counted.
 */
class SyslogIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** RFC 5424 TIMESTAMP as Tandem writes it: UTC, microseconds. */
    static final String TIME = "(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z)";

    static StubBackend a;
    static DatagramSocket udp;
    static DatagramSocket firstTarget;
    static DatagramSocket secondTarget;
    static ServerSocket tcp;
    static String hostname;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        udp = lb.closeAfter(new DatagramSocket(0, LOOPBACK));
        udp.setSoTimeout(10_000);
        firstTarget = lb.closeAfter(new DatagramSocket(0, LOOPBACK));
        firstTarget.setSoTimeout(10_000);
        secondTarget = lb.closeAfter(new DatagramSocket(0, LOOPBACK));
        secondTarget.setSoTimeout(10_000);
        tcp = lb.closeAfter(new ServerSocket(0, 8, LOOPBACK));
        tcp.setSoTimeout(10_000);
        int down;
        try (ServerSocket closed = new ServerSocket(0, 1, LOOPBACK)) {
            down = closed.getLocalPort();
        }
        lb.config()
                .listener("udp", "web", l -> l.accessLog("enabled: true, template: '$request_id $status $backend', "
                        + "syslog: { address: 127.0.0.1:" + udp.getLocalPort()
                        + ", facility: local3, app-name: lb-udp }"))
                .listener("tcp", "web", l -> l.accessLog("enabled: true, format: combined, "
                        + "syslog: { address: 127.0.0.1:" + tcp.getLocalPort() + ", transport: tcp }"))
                .listener("down", "web", l -> l.accessLog("enabled: true, "
                        + "syslog: { address: 127.0.0.1:" + down + ", transport: tcp }"))
                .listener("moved", "web", l -> l.accessLog(movedTo(firstTarget)))
                .pool("web", p -> p.backend(a));
        lb.start();
        hostname = InetAddress.getLocalHost().getHostName();
    }

    static String movedTo(DatagramSocket socket) {
        return "enabled: true, template: '$request_id', syslog: { address: 127.0.0.1:" + socket.getLocalPort()
                + ", app-name: moved }";
    }

    static String receive(DatagramSocket socket) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
        socket.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    static HttpResponse<String> get(String listener, String path, String requestId) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.uri(listener, path)).header("X-Request-Id", requestId)
                .header("User-Agent", "syslog-it").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks the header of {@code message} and that its time is this test's; returns the MSG part. */
    static String msg(String message, int pri, String appName, Instant before) {
        Matcher m = Pattern.compile("^<" + pri + ">1 " + TIME + " " + Pattern.quote(hostname) + " "
                + Pattern.quote(appName) + " " + lb.node().process().pid() + " access - (.*)$", Pattern.DOTALL)
                .matcher(message);
        assertThat(m.matches()).as("an RFC 5424 message from this node: %s", message).isTrue();
        Instant sent = Instant.parse(m.group(1));
        assertThat(sent).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
        return m.group(2);
    }

    /** One octet-counted frame: the decimal length, a space, exactly that many bytes. */
    static String frame(DataInputStream in) throws IOException {
        StringBuilder length = new StringBuilder();
        int c;
        while ((c = in.read()) != ' ') {
            assertThat(c).as("a digit of the frame length").isBetween((int) '0', (int) '9');
            length.append((char) c);
        }
        byte[] message = new byte[Integer.parseInt(length.toString())];
        in.readFully(message);
        return new String(message, StandardCharsets.UTF_8);
    }

    // Over UDP one request is one datagram: PRI 158 (local3, informational), version 1, host, app-name, the line.
    @Test
    void udpDatagramPerLine() throws Exception {
        Instant before = Instant.now();
        assertThat(get("udp", "/", "udp-id-1").statusCode()).isEqualTo(200);
        assertThat(msg(receive(udp), 19 * 8 + 6, "lb-udp", before)).isEqualTo("udp-id-1 200 " + a.address());
    }

    // Over TCP lines are octet-counted frames on one connection: PRI 134 (local0), app-name tandem, combined lines.
    @Test
    void tcpOctetCountedFrames() throws Exception {
        Instant before = Instant.now();
        HttpResponse<String> first = get("tcp", "/first", "tcp-id-1");
        assertThat(first.statusCode()).isEqualTo(200);
        try (Socket peer = tcp.accept()) {
            peer.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(peer.getInputStream());
            String line = "^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET %s HTTP/1\\.1\" 200 " + first.body().length()
                    + " \"-\" \"syslog-it\"$";
            assertThat(msg(frame(in), 16 * 8 + 6, "tandem", before)).matches(String.format(line, "/first"));
            assertThat(get("tcp", "/second", "tcp-id-2").statusCode()).isEqualTo(200);
            assertThat(msg(frame(in), 16 * 8 + 6, "tandem", before)).matches(String.format(line, "/second"));
        }
    }

    // A reload that points a listener at another syslog server sends its next lines there.
    @Test
    void reloadMovesTheTarget() throws Exception {
        Instant start = Instant.now();
        assertThat(get("moved", "/", "moved-id-1").statusCode()).isEqualTo(200);
        assertThat(msg(receive(firstTarget), 134, "moved", start)).isEqualTo("moved-id-1");
        lb.config().listener("moved", "web", l -> l.accessLog(movedTo(secondTarget)));
        lb.writeConfig();
        HttpResponse<String> reload = lb.reload();
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(get("moved", "/", "moved-id-2").statusCode()).isEqualTo(200);
        assertThat(msg(receive(secondTarget), 134, "moved", start)).isEqualTo("moved-id-2");
    }

    // A syslog server that is down costs the request nothing: it is answered, and its line is counted as dropped.
    @Test
    void downServerDropsAndCounts() throws Exception {
        assertThat(get("down", "/", "down-id-1").statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(10), "the dropped line counted", () -> PrometheusText.parse(
                lb.admin().get("/metrics").body()).value("tandem_access_log_dropped_total", "reason", "unavailable")
                == 1.0);
        PrometheusText metrics = PrometheusText.parse(lb.admin().get("/metrics").body());
        assertThat(metrics.value("tandem_access_log_dropped_total", "reason", "queue_full")).isEqualTo(0.0);
        assertThat(lb.output()).contains("syslog server 127.0.0.1:").contains("(tcp) unreachable: ")
                .doesNotContain("down-id-1");
    }
}
