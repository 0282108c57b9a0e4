package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of a {@code mode: tcp} listener's client connection: the byte
 * counter (when request metrics are on), the idle timer of the listener's
 * {@code timeouts.idle} (no byte either way), the {@link SniPeek} of a
 * listener with {@code sni-routes}, then the {@link TcpSession},
 * which a {@link Tunnel} replaces once the backend is connected. The channel
 * starts without reading (the listener's bootstrap turns auto-read off), so
 * no client byte arrives before a backend is there to take it.
 */
public final class TcpInitializer extends ChannelInitializer<Channel> {

    private final ListenerRuntime listener;

    public TcpInitializer(ListenerRuntime listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        listener.clients().add(ch);
        if (listener.traffic() != null) {
            ch.pipeline().addLast("traffic", listener.traffic());
        }
        Routing routing = listener.routing();
        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, routing.listener().idleTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
        if (routing.routesBySni()) {
            ch.pipeline().addLast("sni", new SniPeek(routing::sniRoute));
        }
        ch.pipeline().addLast("session", new TcpSession(listener, routing));
    }
}
