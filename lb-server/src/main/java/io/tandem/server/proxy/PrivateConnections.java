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
 * client connection, or when its backend is drained or removed (the loop's
 * {@link BackendConnections} knows every open set). Confined to the client's
 * event loop, on which it is made.
 */
final class PrivateConnections implements IdleConnections {

    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final Map<Backend, Channel> idle = new IdentityHashMap<>(2);
    private boolean closed;

    /**
     * {@code source}: the client's address and port; {@code destination}: where it connected. Call on the
     * client's event loop; {@link #closeAll} must follow when the client connection closes.
     */
    PrivateConnections(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
        BackendConnections.current().opened(this);
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

    /** Closes the idle connection to {@code backend}, if there is one: the backend was drained or removed. */
    void closeIdle(Backend backend) {
        Channel ch = idle.remove(backend);
        if (ch != null) {
            ch.close();
        }
    }

    /** The client connection closed: so do its idle backend connections, and any that come back later. */
    void closeAll() {
        if (!closed) {
            BackendConnections.current().closed(this);
        }
        closed = true;
        List<Channel> all = new ArrayList<>(idle.values());
        idle.clear();
        for (Channel ch : all) {
            ch.close();
        }
    }
}
