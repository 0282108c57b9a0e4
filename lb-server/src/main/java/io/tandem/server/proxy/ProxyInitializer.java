package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.tandem.config.ListenerConfig;
import io.tandem.config.ProxyProtocolConfig;
import io.tandem.server.metrics.ProxyProtocolRejection;
import io.tandem.server.tls.ListenerTls;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of a client connection ({@link TcpInitializer}'s on a {@code mode: tcp}
 * listener): the byte counter (when request metrics
 * are on; it counts the bytes on the wire), the PROXY protocol header's
 * decoder (on a listener that accepts it; a connection from an untrusted
 * source is closed here; the header comes before any TLS, as HAProxy's
 * {@code accept-proxy} reads it), TLS on a TLS listener (SNI, then the
 * handshake; the decoded header passes through it), the strict
 * {@link FrontendCodec} with the listener's limits, then the proxy. Netty's
 * {@code HttpServerCodec} is not used; nothing answers
 * {@code Expect: 100-continue} locally: the backend decides, and its 100 is
 * forwarded.
 */
public final class ProxyInitializer extends ChannelInitializer<Channel> {

    /** Room in the request line for the method and version around the URI. */
    private static final int REQUEST_LINE_OVERHEAD = 32;

    private static final Logger log = LoggerFactory.getLogger(ProxyInitializer.class);

    private final ListenerRuntime listener;

    public ProxyInitializer(ListenerRuntime listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        Routing routing = listener.routing();
        ListenerConfig config = routing.listener();
        if (config.tcp()) {
            // Read per connection, so a reload that changes the listener's mode applies to new connections.
            TcpInitializer.init(ch, listener, routing);
            return;
        }
        listener.clients().add(ch);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxUriLength() + REQUEST_LINE_OVERHEAD)
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true)
                // FrontendCodec checks every byte of a head; values need no second pass (names keep theirs),
                // and the forwarding headers Tandem sets are its own.
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValueValidation(false))
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false);
        ProxyProtocolConfig proxyProtocol = config.proxyProtocol();
        if (proxyProtocol.accept() && !trusted(ch, proxyProtocol)) {
            listener.meters().proxyProtocolRejected(ProxyProtocolRejection.UNTRUSTED);
            log.debug("closed a connection from {} on listener {}: not a source the PROXY protocol is accepted from",
                    ch.remoteAddress(), listener.name());
            ch.close();
            return;
        }
        if (listener.traffic() != null) {
            ch.pipeline().addLast("traffic", listener.traffic());
        }
        if (proxyProtocol.accept()) {
            ch.pipeline().addLast("proxy-protocol", new ProxyHeaderDecoder(listener.meters()));
        }
        ListenerTls tls = listener.tls();
        if (tls != null) {
            tls.addTo(ch.pipeline());
        }
        if (config.http2().h2()) {
            // The protocol is known after the TLS handshake (ALPN) or the first bytes (the h2c preface).
            ch.pipeline().addLast("h2-switch", tls != null ? new Http2Frontend.AlpnSwitch(listener)
                    : new Http2Frontend.PrefaceSwitch(listener));
        }
        FrontendHandler handler = new FrontendHandler(listener, tls != null, proxyProtocol.accept());
        ch.pipeline()
                .addLast("codec", new FrontendCodec(decoder, handler))
                .addLast("proxy", handler);
    }

    /**
     * Whether the connection comes from a source that may send a PROXY header.
     * Others could claim any client address, so they are closed unread.
     */
    static boolean trusted(Channel ch, ProxyProtocolConfig proxyProtocol) {
        return ch.remoteAddress() instanceof InetSocketAddress
                && ((InetSocketAddress) ch.remoteAddress()).getAddress() != null
                && proxyProtocol.trusts(((InetSocketAddress) ch.remoteAddress()).getAddress().getAddress());
    }
}
