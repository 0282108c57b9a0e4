package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A listener that accepts the PROXY protocol: the header's client address is
 * the one forwarded, hashed and logged; every connection without a valid
 * header from a trusted source is closed before a request reaches a backend.
 */
class ProxyProtocolInTest {

    private static final String REQUEST = "GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n";

    private static ProxyHarness harness() {
        ProxyHarness h = new ProxyHarness(1, 0);
        h.acceptProxyProtocol("192.0.2.0/24", "::1/128");
        return h;
    }

    /** The head the backend receives for {@link #REQUEST} from client {@code ip} ({@code forwarded}: its for=). */
    private static String forwardedRequest(String ip, String forwarded) {
        return "GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\nx-forwarded-for: " + ip + "\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: a\r\nforwarded: for=" + forwarded
                + ";proto=http;host=\"a\"\r\n\r\n";
    }

    /** A v2 header built byte by byte: signature, version and command, family, length, addresses, ports. */
    static ByteBuf v2(int command, byte[] src, byte[] dst, int srcPort, int dstPort) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.writeByte(0x20 | command);
        if (src == null) {
            b.writeByte(0x00).writeShort(0);
            return b;
        }
        b.writeByte(src.length == 4 ? 0x11 : 0x21);
        b.writeShort(2 * src.length + 4);
        b.writeBytes(src).writeBytes(dst).writeShort(srcPort).writeShort(dstPort);
        return b;
    }

    private static byte[] ip(String literal) throws Exception {
        return InetAddress.getByName(literal).getAddress();
    }

    /** The addresses a PROXY header sent on from this connection would carry. */
    private static String header(FrontendHandler handler) {
        HAProxyMessage m = handler.privateConnections().header(HAProxyProtocolVersion.V2);
        try {
            return m.proxiedProtocol() + " " + m.sourceAddress() + ":" + m.sourcePort() + " -> "
                    + m.destinationAddress() + ":" + m.destinationPort();
        } finally {
            m.release();
        }
    }

    private static double rejected(ProxyHarness h, String reason) {
        Counter c = h.listener.metrics().registry().find("tandem_proxy_protocol_rejected_total")
                .tags("listener", "web", "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    // A v1 header in the same read as the request: the backend sees the header's client, not the socket's.
    @Test
    void v1HeaderSetsTheClient() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes("PROXY TCP4 203.0.113.9 10.0.0.1 41000 443\r\n" + REQUEST));
        assertThat(written(h.opened.get(0))).isEqualTo(forwardedRequest("203.0.113.9", "203.0.113.9"));
        FrontendHandler handler = client.pipeline().get(FrontendHandler.class);
        assertThat(header(handler)).isEqualTo("TCP4 203.0.113.9:41000 -> 10.0.0.1:443");
        assertThat(handler.sourceAddress()).containsExactly(203, 0, 113, 9);
        assertThat(client.pipeline().get(ProxyHeaderDecoder.class)).isNull();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A v2 TCP6 header that arrives in two reads, then the request: the IPv6 client is forwarded.
    @Test
    void v2HeaderInPiecesSetsAnIpv6Client() throws Exception {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("::1");
        ByteBuf header = v2(1, ip("2001:db8::5"), ip("2001:db8::1"), 50123, 80);
        client.writeInbound(header.readRetainedSlice(20));
        assertThat(h.connects).isEmpty();
        client.writeInbound(header);
        client.writeInbound(bytes(REQUEST));
        assertThat(written(h.opened.get(0))).isEqualTo(forwardedRequest("2001:db8:0:0:0:0:0:5",
                "\"[2001:db8:0:0:0:0:0:5]\""));
        assertThat(header(client.pipeline().get(FrontendHandler.class)))
                .isEqualTo("TCP6 2001:db8::5:50123 -> 2001:db8::1:80");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // v2 LOCAL (the front balancer's own check) keeps the connection's own address.
    @Test
    void v2LocalKeepsTheSocketAddress() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(v2(0, null, null, 0, 0));
        client.writeInbound(bytes(REQUEST));
        assertThat(written(h.opened.get(0))).isEqualTo(forwardedRequest("192.0.2.7", "192.0.2.7"));
        assertThat(header(client.pipeline().get(FrontendHandler.class)))
                .isEqualTo("TCP4 192.0.2.7:50000 -> 127.0.0.1:8080");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A trusted source that speaks HTTP at once is closed unanswered and counted as missing.
    @Test
    void noHeaderIsClosed() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes(REQUEST));
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(written(client)).isEmpty();
        assertThat(h.connects).isEmpty();
        assertThat(rejected(h, "missing")).isEqualTo(1.0);
        assertThat(rejected(h, "malformed")).isEqualTo(0.0);
        assertFalse(client.finishAndReleaseAll());
    }

    // A header that starts right but is not valid is closed and counted as malformed.
    @Test
    void malformedHeaderIsClosed() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes("PROXY TCP4 203.0.113.999 10.0.0.1 41000 443\r\n" + REQUEST));
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(h.connects).isEmpty();
        assertThat(rejected(h, "malformed")).isEqualTo(1.0);
        assertThat(rejected(h, "missing")).isEqualTo(0.0);
        assertFalse(client.finishAndReleaseAll());
    }

    // A source outside from is closed before anything is read, even with a valid header.
    @Test
    void untrustedSourceIsClosed() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("198.51.100.1");
        assertThat(client.isOpen()).isFalse();
        assertThat(rejected(h, "untrusted")).isEqualTo(1.0);
        assertThat(h.connects).isEmpty();
        assertFalse(client.finishAndReleaseAll());
    }

    // A trusted source that sends nothing is closed when the header timeout (10 s) runs out, counted as timeout.
    @Test
    void headerMustArriveInTime() {
        ProxyHarness h = harness();
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.freezeTime();
        client.writeInbound(bytes("PROXY TCP4 203.0.113.9 "));
        client.advanceTimeBy(9, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isActive()).isTrue();
        client.advanceTimeBy(2, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertThat(written(client)).isEmpty();
        assertThat(rejected(h, "timeout")).isEqualTo(1.0);
        assertFalse(client.finishAndReleaseAll());
    }
}
