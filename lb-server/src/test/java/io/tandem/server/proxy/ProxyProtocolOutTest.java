package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.tandem.config.ProxyProtocolVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A pool that sends the PROXY protocol: each new backend connection starts
 * with the client's header, exactly once, and is reused by that client
 * connection only.
 */
class ProxyProtocolOutTest {

    private static final String REQUEST = "GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

    /** Everything written to {@code ch} so far, as bytes; the buffers are released. */
    private static byte[] writtenBytes(EmbeddedChannel ch) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }

    // v1: the text line with the client's address and port and the listener's, then the request.
    @Test
    void v1HeaderPrecedesTheRequest() {
        ProxyHarness h = new ProxyHarness(1, 0, ProxyProtocolVersion.V1);
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes(REQUEST));
        assertThat(written(h.opened.get(0))).startsWith("PROXY TCP4 192.0.2.7 127.0.0.1 50000 8080\r\nGET /x HTTP/1.1\r\n");
        assertThat(h.opened.get(0).pipeline().get(ProxyHeaderWriter.class)).isNull();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // v2: the binary header, byte for byte: signature, PROXY, TCP4, 12 bytes of addresses and ports.
    @Test
    void v2HeaderIsExact() {
        ProxyHarness h = new ProxyHarness(1, 0, ProxyProtocolVersion.V2);
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes(REQUEST));
        byte[] sent = writtenBytes(h.opened.get(0));
        byte[] expected = ByteBufUtil.getBytes(ProxyProtocolInTest.v2(1, new byte[] {(byte) 192, 0, 2, 7},
                new byte[] {127, 0, 0, 1}, 50000, 8080));
        assertThat(java.util.Arrays.copyOf(sent, expected.length)).isEqualTo(expected);
        assertThat(new String(sent, expected.length, sent.length - expected.length, StandardCharsets.ISO_8859_1))
                .startsWith("GET /x HTTP/1.1\r\n");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A PROXY header received from a front balancer is what goes on to the backend.
    @Test
    void receivedAddressesGoOn() {
        ProxyHarness h = new ProxyHarness(1, 0, ProxyProtocolVersion.V1);
        h.acceptProxyProtocol("192.0.2.0/24");
        EmbeddedChannel client = h.clientFrom("192.0.2.7");
        client.writeInbound(bytes("PROXY TCP6 2001:db8::5 2001:db8::1 41000 443\r\n" + REQUEST));
        assertThat(written(h.opened.get(0)))
                .startsWith("PROXY TCP6 2001:db8::5 2001:db8::1 41000 443\r\nGET /x HTTP/1.1\r\n");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // The connection comes back for the same client's next request (no second header); another client gets its own.
    @Test
    void connectionsArePrivateToTheClient() {
        ProxyHarness h = new ProxyHarness(1, 0, ProxyProtocolVersion.V1);
        EmbeddedChannel a = h.clientFrom("192.0.2.7");
        a.writeInbound(bytes(REQUEST));
        EmbeddedChannel first = h.opened.get(0);
        assertThat(written(first)).startsWith("PROXY TCP4 192.0.2.7 127.0.0.1 50000 8080\r\nGET");
        first.writeInbound(bytes(RESPONSE));
        assertThat(written(a)).startsWith("HTTP/1.1 200 OK\r\n");

        EmbeddedChannel b = h.clientFrom("192.0.2.8");
        b.writeInbound(bytes(REQUEST));
        assertThat(h.opened).hasSize(2);
        assertThat(written(h.opened.get(1))).startsWith("PROXY TCP4 192.0.2.8 127.0.0.1 50000 8080\r\nGET");
        h.opened.get(1).writeInbound(bytes(RESPONSE));
        assertThat(written(b)).startsWith("HTTP/1.1 200 OK\r\n");

        a.writeInbound(bytes(REQUEST));
        assertThat(h.opened).hasSize(2);
        assertThat(written(first)).startsWith("GET /x HTTP/1.1\r\n");
        first.writeInbound(bytes(RESPONSE));
        assertThat(written(a)).startsWith("HTTP/1.1 200 OK\r\n");

        // The client leaves: its idle backend connection closes with it; the other client's stays.
        a.close();
        a.runPendingTasks();
        first.runPendingTasks();
        assertThat(first.isOpen()).isFalse();
        assertThat(h.opened.get(1).isOpen()).isTrue();
        assertFalse(a.finishAndReleaseAll());
        assertFalse(b.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A check's header: v2 LOCAL with no addresses, v1 PROXY UNKNOWN.
    @Test
    void checkHeaders() {
        EmbeddedChannel v2 = new EmbeddedChannel();
        ProxyHeaderWriter.install(v2.pipeline(), ProxyHeaders.check(HAProxyProtocolVersion.V2));
        v2.writeOutbound(bytes("x"));
        byte[] expected = ByteBufUtil.getBytes(ProxyProtocolInTest.v2(0, null, null, 0, 0));
        assertThat(writtenBytes(v2)).isEqualTo(concat(expected, new byte[] {'x'}));
        EmbeddedChannel v1 = new EmbeddedChannel();
        ProxyHeaderWriter.install(v1.pipeline(), ProxyHeaders.check(HAProxyProtocolVersion.V1));
        v1.writeOutbound(bytes("x"));
        assertThat(written(v1)).isEqualTo("PROXY UNKNOWN\r\nx");
        assertFalse(v2.finishAndReleaseAll());
        assertFalse(v1.finishAndReleaseAll());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
