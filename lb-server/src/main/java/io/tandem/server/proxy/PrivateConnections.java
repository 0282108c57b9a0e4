package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.tandem.core.pool.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend connections of one client connection to pools that send the
 * PROXY protocol. Each starts with a header naming this client's address and
 * port, so it may carry this client connection's requests only, never
 * another's (HAProxy's "private" connections): an idle one waits here, one
 * per backend, instead of in the loop's shared pool, and closes with the
 * client connection. Confined to the client's event loop.
 */
final class PrivateConnections implements IdleConnections {

    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final Map<Backend, Channel> idle = new IdentityHashMap<>(2);
    private boolean closed;

    /** {@code source}: the client's address and port; {@code destination}: where it connected. */
    PrivateConnections(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
    }

    /** The header a new connection of this client starts with. */
    HAProxyMessage header(HAProxyProtocolVersion version) {
        return ProxyHeaders.proxied(version, source, destination);
    }

    @Override
    public Channel poll(Backend backend) {
        Channel ch = idle.remove(backend);
        return ch != null && ch.isActive() ? ch : null;
    }

    @Override
    public void offer(Backend backend, Channel ch) {
        if (closed) {
            // The client left while this connection finished a response for it.
            ch.close();
            return;
        }
        Channel before = idle.put(backend, ch);
        if (before != null && before != ch) {
            before.close();
        }
    }

    @Override
    public void remove(Backend backend, Channel ch) {
        idle.remove(backend, ch);
    }

    /** The client connection closed: so do its idle backend connections, and any that come back later. */
    void closeAll() {
        closed = true;
        List<Channel> all = new ArrayList<>(idle.values());
        idle.clear();
        for (Channel ch : all) {
            ch.close();
        }
    }
}
