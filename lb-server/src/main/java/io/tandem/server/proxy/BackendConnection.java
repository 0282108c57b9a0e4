package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * What an exchange may ask of a backend connection ({@link BackendHandler}):
 * to send it the next response, to let go of it, to keep it after the client
 * left. The handler of a backend channel's pipeline, found by {@link #of}. Called on the
 * connection's event loop only.
 */
interface BackendConnection extends ChannelHandler {

    /** The connection handler of a backend channel. */
    static BackendConnection of(Channel ch) {
        return ch.pipeline().get(BackendConnection.class);
    }

    Channel channel();

    /**
     * The exchange about to send its request here: the response that comes
     * next is its. {@code headRequest}: it has no body; {@code raw}: it may
     * come as a {@link RawResponse}.
     */
    void bind(ResponseListener listener, boolean headRequest, boolean raw);

    /** No exchange is interested any more; whoever called this closes or keeps the channel. */
    void unbind();

    /**
     * The response has ended and no exchange holds the connection: it goes
     * back to this loop's pool when {@code reusable} and the backend still
     * takes new requests, and closes otherwise.
     */
    void release(boolean reusable);

    /**
     * The client left after its whole request was sent: the response is read
     * and dropped, and the connection kept if the response allows.
     */
    void drain();

    /** The connection, turned into a {@link Tunnel}, has closed. */
    void tunnelClosed();
}
