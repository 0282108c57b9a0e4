package io.tandem.server.proxy;

import io.netty.handler.codec.http.HttpObject;

/**
 * What a backend connection tells the exchange bound to it
 * ({@link BackendConnection#bind}). Every message is handed over: the listener
 * owns and releases it. Called on the connection's event loop only.
 */
interface ResponseListener {

    /** A response head forwarded as bytes, with the body bytes that came with it. */
    void response(RawResponse response);

    /** More body bytes of a response forwarded as bytes. */
    void responseBody(RawBody part);

    /** A part of a response on the object path (head, interim answer, body, end). */
    void response(HttpObject part);

    /** The backend's read is over: what it wrote to the client goes out. */
    void readComplete();

    /** The backend connection's writability changed: reading the client may stop or resume. */
    void backendWritabilityChanged();

    /** The connection closed or failed before the response ended; {@code cause} may be null. */
    void backendClosed(Throwable cause);
}
