package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.tandem.server.tls.ClientSubject;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/**
 * Who is at the other end of a client connection, as the connection learns
 * it: the client's address (the socket's peer, or what a trusted balancer's
 * PROXY header says), where it connected, and what its TLS handshake said
 * (server name, session, client certificate). Every forwarding header,
 * access-log line and hash of the connection's requests reads it here.
 * One per client connection (an HTTP/2 stream copies its connection's);
 * confined to the connection's event loop.
 */
final class ClientPeer {

    private String ip = "unknown";
    private String forwardedFor = "for=unknown";
    private byte[] address;
    private InetSocketAddress source;
    private InetSocketAddress destination;
    private String sni;
    private String subject;
    private AccessEntry.TlsSession tlsSession;

    /** An accepted connection: the socket's peer is the client, its local address where it connected. */
    void accepted(Channel channel) {
        if (channel.remoteAddress() instanceof InetSocketAddress) {
            client((InetSocketAddress) channel.remoteAddress());
        }
        if (channel.localAddress() instanceof InetSocketAddress) {
            destination = (InetSocketAddress) channel.localAddress();
        }
    }

    /** A stream of an HTTP/2 connection: the client and its TLS are the connection's. */
    void stream(Http2Connection connection) {
        source = connection.source();
        if (connection.clientIp() != null) {
            // Worked out once per connection, not per stream.
            address = connection.clientAddress();
            ip = connection.clientIp();
            forwardedFor = connection.forwardedFor();
        }
        destination = connection.destination();
        tlsSession = connection.tlsSession();
        subject = connection.clientSubject();
    }

    /**
     * The PROXY header of a trusted balancer, before any request: a proxied TCP
     * connection's addresses replace the socket's. {@code LOCAL} (the balancer's
     * own health check) and {@code UNKNOWN} keep the socket's, as the protocol says.
     * Releases {@code header}.
     */
    void proxyHeader(HAProxyMessage header) {
        try {
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (header.command() == HAProxyCommand.PROXY
                    && (protocol == HAProxyProxiedProtocol.TCP4 || protocol == HAProxyProxiedProtocol.TCP6)) {
                // Literals the decoder validated: no name lookup.
                client(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()),
                        header.sourcePort()));
                destination = new InetSocketAddress(
                        NetUtil.createInetAddressFromIpAddressString(header.destinationAddress()),
                        header.destinationPort());
            }
        } finally {
            header.release();
        }
    }

    /** The server name of the client's TLS hello (null without one). */
    void sni(String name) {
        sni = name;
    }

    /**
     * The TLS handshake succeeded on {@code ssl} (null: not found in the pipeline): its version and cipher
     * for the access log, and with {@code subject} the client certificate's subject for the forwarded header.
     */
    void handshakeDone(SslHandler ssl, boolean subject) {
        if (subject) {
            this.subject = ClientSubject.of(ssl);
        }
        if (ssl != null) {
            SSLSession session = ssl.engine().getSession();
            tlsSession = new AccessEntry.TlsSession(session.getProtocol(), session.getCipherSuite(), sni);
        }
    }

    /** {@code remote} is the client: every forwarding header, log line and hash uses it from now on. */
    private void client(InetSocketAddress remote) {
        source = remote;
        if (remote.getAddress() != null) {
            address = remote.getAddress().getAddress();
            ip = remote.getAddress().getHostAddress();
            forwardedFor = ForwardedHeaders.forwardedFor(ip);
        }
    }

    /** The client's address as text ("unknown" before it is known). */
    String ip() {
        return ip;
    }

    /** The {@code for=} element of the {@code Forwarded} header this client's requests carry. */
    String forwardedFor() {
        return forwardedFor;
    }

    /** The client's address bytes (4 or 16), or null when unknown. */
    byte[] address() {
        return address;
    }

    /** The client's address and port, or null when unknown. */
    InetSocketAddress source() {
        return source;
    }

    /** Where the client connected: the listener's address, or a PROXY header's destination. */
    InetSocketAddress destination() {
        return destination;
    }

    String sni() {
        return sni;
    }

    /** The subject of the client's certificate (mutual TLS), or null. */
    String subject() {
        return subject;
    }

    /** The TLS version, cipher and server name once the handshake is done, else null. */
    AccessEntry.TlsSession tlsSession() {
        return tlsSession;
    }
}
