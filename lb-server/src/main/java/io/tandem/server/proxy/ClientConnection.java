package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.tandem.config.Template;
import io.tandem.core.strategy.RequestContext;

/**
 * What an {@link Exchange} may ask of the client connection it serves
 * ({@link FrontendHandler}): its channel and timer, the way to backends, and
 * the four ways an exchange hands the connection back. The handler of the
 * client channel's pipeline (a {@link Tunnel} replaces it after an upgrade).
 * Called on the client channel's event loop only.
 */
interface ClientConnection extends ChannelHandler {

    Channel channel();

    /** Whether the connection came over TLS. */
    boolean https();

    /** The current request's protocol as the client spoke it, for the access log: HTTP/1.0, HTTP/1.1, HTTP/2.0. */
    String requestProtocol();

    /**
     * Whether responses may be written as bytes ({@link RawResponse}); false where the client connection
     * encodes responses otherwise (an HTTP/2 stream), so they take the object path.
     */
    boolean rawResponses();

    /** The client's address as the access log writes it. */
    String clientIp();

    /** The TLS of this connection for its access-log lines, or null for plain HTTP (or before the handshake). */
    AccessEntry.TlsSession tlsSession();

    /** The current request as strategies and sticky sessions read it. */
    RequestContext requestContext();

    /** The connection's one timer, which the exchange borrows for its response timeout. */
    ConnectionTimer timer();

    /**
     * The backend connections that carry this client's PROXY header, for pools
     * that send one: made on first use, closed with the client connection.
     */
    PrivateConnections privateConnections();

    /** How backend connections are taken from the loop's pool or opened. */
    BackendConnector connector();

    /** The daemon is shutting down: the current answer is the last on this connection. */
    boolean draining();

    /** Reads from the client only while the exchange has room for what it sends. */
    void updateRead();

    /** The response was written to its end; the next request may start when {@code keepAlive}. */
    void exchangeDone(boolean keepAlive);

    /** The values of the current request's template variables (client, request id, host, ...). */
    Template.Values requestValues();

    /** The exchange answers itself (502, 503, 504): write {@code answer}, then close or go on. */
    void exchangeAnswered(FullHttpResponse answer, boolean close);

    /** The backend failed mid-response: only closing the connection tells the client. */
    void exchangeCut();

    /** The backend's 101 is written: from now on both connections carry raw bytes. */
    void exchangeUpgraded(BackendConnection backend);
}
