package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.tandem.config.ProxyProtocolConfig;
import io.tandem.server.metrics.ProxyProtocolRejection;

/**
 * The pipeline of a {@code mode: tcp} listener's client connection: the byte
 * counter (when request metrics are on), the {@link ProxyHeaderDecoder} of a
 * listener that accepts the PROXY protocol (a connection from another source
 * is closed unread), the {@link SniPeek} of a
 * listener with {@code sni-routes}, then the {@link TcpSession},
 * which a {@link Tunnel} replaces once the backend is connected (the session
 * keeps the idle timer of both sides). The channel
 * starts without reading, so no client byte arrives before a backend is there
 * to take it. {@link ProxyInitializer} calls it for each connection of a
 * listener whose routing (the config in force) says {@code mode: tcp}.
 */
final class TcpInitializer {

    private TcpInitializer() {}

    /**
     * Builds the pipeline of {@code ch}, a new client connection of {@code listener} with its current
     * {@code routing}, and keeps it from reading.
     */
    static void init(Channel ch, ListenerRuntime listener, Routing routing) {
        // A TCP session reads its client only once a backend connection can take the bytes (or an SNI route
        // asks for the ClientHello); off before the channel is active, so not even a first read starts.
        ch.config().setAutoRead(false);
        // A client's FIN ends only its direction (see Tunnel): the answer to what it sent still comes back.
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ProxyProtocolConfig proxyProtocol = routing.listener().proxyProtocol();
        if (proxyProtocol.accept() && !ProxyInitializer.trusted(ch, proxyProtocol)) {
            // Others could claim any client address: closed unread, as on an HTTP listener.
            listener.meters().proxyProtocolRejected(ProxyProtocolRejection.UNTRUSTED);
            ch.close();
            return;
        }
        listener.clients().add(ch);
        if (listener.traffic() != null) {
            ch.pipeline().addLast("traffic", listener.traffic());
        }
        if (proxyProtocol.accept()) {
            ch.pipeline().addLast("proxy-protocol", new ProxyHeaderDecoder(listener.meters()));
        }
        if (routing.routesBySni()) {
            ch.pipeline().addLast("sni", new SniPeek(routing::sniRoute));
        }
        ch.pipeline().addLast("session", new TcpSession(listener, routing, proxyProtocol.accept()));
    }
}
