package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

/** Who the client is: the socket's peer, replaced by a PROXY header's TCP addresses and by nothing else. */
class ClientPeerTest {

    private static EmbeddedChannel socket(String ip) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(ip, 50000);
            }

            @Override
            protected SocketAddress localAddress0() {
                return new InetSocketAddress("127.0.0.1", 8080);
            }
        };
    }

    // Before anything is known, the client is "unknown" and has no address to hash.
    @Test
    void unknownUntilTold() {
        ClientPeer peer = new ClientPeer();
        assertThat(peer.ip()).isEqualTo("unknown");
        assertThat(peer.forwardedFor()).isEqualTo("for=unknown");
        assertThat(peer.address()).isNull();
        assertThat(peer.source()).isNull();
    }

    // An accepted connection: the socket's peer is the client and the listener's address its destination.
    @Test
    void acceptedConnectionIsTheSocketsPeer() {
        ClientPeer peer = new ClientPeer();
        EmbeddedChannel ch = socket("2001:db8::7");
        peer.accepted(ch);
        assertThat(peer.ip()).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(peer.forwardedFor()).isEqualTo("for=\"[2001:db8:0:0:0:0:0:7]\"");
        assertThat(peer.address()).hasSize(16);
        assertThat(peer.source()).isEqualTo(new InetSocketAddress("2001:db8::7", 50000));
        assertThat(peer.destination()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertFalse(ch.finishAndReleaseAll());
    }

    // A PROXY header for TCP4 replaces both addresses, and the header is released.
    @Test
    void proxyHeaderReplacesTheAddresses() {
        ClientPeer peer = new ClientPeer();
        EmbeddedChannel ch = socket("192.0.2.1");
        peer.accepted(ch);
        HAProxyMessage header = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, "198.51.100.9", "203.0.113.5", 40000, 443);
        peer.proxyHeader(header);
        assertThat(header.refCnt()).isZero();
        assertThat(peer.ip()).isEqualTo("198.51.100.9");
        assertThat(peer.forwardedFor()).isEqualTo("for=198.51.100.9");
        assertThat(peer.address()).containsExactly(198, 51, 100, 9);
        assertThat(peer.source()).isEqualTo(new InetSocketAddress("198.51.100.9", 40000));
        assertThat(peer.destination()).isEqualTo(new InetSocketAddress("203.0.113.5", 443));
        assertFalse(ch.finishAndReleaseAll());
    }

    // LOCAL (the balancer's own check) keeps the socket's addresses, as the protocol says.
    @Test
    void localHeaderKeepsTheSocketsAddresses() {
        ClientPeer peer = new ClientPeer();
        EmbeddedChannel ch = socket("192.0.2.1");
        peer.accepted(ch);
        HAProxyMessage header = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        peer.proxyHeader(header);
        assertThat(header.refCnt()).isZero();
        assertThat(peer.ip()).isEqualTo("192.0.2.1");
        assertThat(peer.source()).isEqualTo(new InetSocketAddress("192.0.2.1", 50000));
        assertThat(peer.destination()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertFalse(ch.finishAndReleaseAll());
    }

    // Without an SslHandler (and no certificate header wanted) a finished handshake records nothing.
    @Test
    void handshakeWithoutSslHandlerRecordsNothing() {
        ClientPeer peer = new ClientPeer();
        peer.sni("a.example");
        peer.handshakeDone(null, false);
        assertThat(peer.sni()).isEqualTo("a.example");
        assertThat(peer.tlsSession()).isNull();
        assertThat(peer.subject()).isNull();
    }
}
