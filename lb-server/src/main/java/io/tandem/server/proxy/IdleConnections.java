package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.tandem.core.pool.Backend;

/**
 * Where a keep-alive backend connection waits between requests: the event
 * loop's shared pool ({@link BackendConnections}), or, for a connection that
 * carries a client's PROXY header, that client's own ({@link PrivateConnections}).
 * Used on one event loop only.
 */
interface IdleConnections {

    /** An idle open connection to {@code backend}, or null. */
    Channel poll(Backend backend);

    /** Keeps an idle connection for reuse, or closes it when there is no room. */
    void offer(Backend backend, Channel ch);

    /** Forgets a connection that closed while idle. */
    void remove(Backend backend, Channel ch);
}
