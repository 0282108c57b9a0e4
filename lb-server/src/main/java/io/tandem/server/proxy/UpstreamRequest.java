package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * The request side of an {@link Exchange}: the backend connection of the
 * current attempt, and the request head and body on their way to it. Body
 * parts that arrive before there is a connection wait here (at most
 * {@link #MAX_UNSENT_BYTES}), go out behind the head in one flush, and later
 * parts are flushed once per read of the client. It says when the client may
 * be read: while the backend connection can take more, or while little waits.
 * It keeps the facts a retry decision needs (head written, body sent, reused
 * connection).
 *
 * <p>One per client connection, begun again for each of its requests (they
 * run one at a time), so a request allocates nothing here. Confined to the
 * client channel's event loop.
 */
final class UpstreamRequest {

    /** Request body held while the backend connection is being made; reading the client stops beyond it. */
    static final int MAX_UNSENT_BYTES = 64 * 1024;

    private final ClientConnection client;
    /** Request body parts received before a backend connection was ready. */
    private final ArrayDeque<HttpContent> unsent = new ArrayDeque<>(4);
    private HttpRequest request;
    private boolean upgrading;
    /** The response may be forwarded as bytes (no upgrade, no response header edits). */
    private boolean raw;
    private boolean idempotent;
    private int unsentBytes;
    private BackendConnection connection;
    private boolean reused;
    /** Request bytes were written to {@link #connection} since its last flush. */
    private boolean unflushed;
    /** The request head was handed to the backend's socket in this attempt. */
    private boolean headWritten;
    private boolean complete;
    private boolean bodySent;

    UpstreamRequest(ClientConnection client) {
        this.client = client;
    }

    /** Starts with a new request of the client; the last one's parts were all sent or released. */
    void begin(HttpRequest request, boolean upgrading, boolean raw) {
        assert unsent.isEmpty();
        this.request = request;
        this.upgrading = upgrading;
        this.raw = raw && !upgrading;
        this.idempotent = isIdempotent(request.method());
        this.complete = request instanceof FullHttpRequest;
        connection = null;
        reused = false;
        unflushed = false;
        headWritten = false;
        bodySent = false;
        unsentBytes = 0;
    }

    /** The backend connection of the current attempt, or null while there is none. */
    BackendConnection connection() {
        return connection;
    }

    /** The method is GET, HEAD, OPTIONS, PUT, DELETE or TRACE: the request may go again after a reset. */
    boolean idempotent() {
        return idempotent;
    }

    /** The whole request came from the client. */
    boolean complete() {
        return complete;
    }

    /** The request head was handed to the backend's socket in this attempt. */
    boolean headWritten() {
        return headWritten;
    }

    /** This attempt's connection came from the pool. */
    boolean reused() {
        return reused;
    }

    /** Request body bytes went to a backend (they are streamed, not kept). */
    boolean bodySent() {
        return bodySent;
    }

    /** Every body part that arrived was sent. */
    boolean allSent() {
        return unsent.isEmpty();
    }

    /** Whether the client connection may be read now for this request's sake. */
    boolean wantsBytes() {
        if (complete) {
            // After an upgrade request the next bytes may be another protocol:
            // they wait in the socket until the backend's answer says which.
            return !upgrading;
        }
        // While connecting, a little of the body may wait here; beyond that the client waits.
        return connection != null ? connection.channel().isWritable() : unsentBytes < MAX_UNSENT_BYTES;
    }

    /** A new attempt begins: nothing of the request is written yet. */
    void attemptBegins() {
        headWritten = false;
    }

    /**
     * The attempt has its connection: its response goes to {@code listener},
     * read while the client is writable, and the head and the body parts that
     * waited go out with one flush.
     */
    void attach(BackendConnection bound, boolean pooled, ResponseListener listener, boolean clientWritable) {
        connection = bound;
        reused = pooled;
        Channel ch = bound.channel();
        bound.bind(listener, request.method() == HttpMethod.HEAD, raw);
        // The response side's backpressure: the backend is read while the client can take its bytes.
        ch.config().setAutoRead(clientWritable);
        ch.write(request, ch.voidPromise());
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            bodySent |= c.content().isReadable();
            ch.write(c, ch.voidPromise());
        }
        unsentBytes = 0;
        unflushed = false;
        ch.flush();
        if (connection == bound) {
            // A write that fails closes the channel at once; one still open has
            // handed the head to the kernel, on its way to the backend. (A failure
            // reported during the flush may already have moved the exchange on.)
            headWritten = ch.isActive();
        }
    }

    /**
     * A part of the request body from the client: written to the connection
     * (flushed by {@link #flush}), or kept until there is one. Returns whether
     * it was written.
     */
    boolean content(HttpContent content) {
        if (content instanceof LastHttpContent) {
            complete = true;
        }
        if (connection == null) {
            unsent.add(content);
            unsentBytes += content.content().readableBytes();
            if (unsentBytes >= MAX_UNSENT_BYTES) {
                client.updateRead();
            }
            return false;
        }
        Channel ch = connection.channel();
        bodySent |= content.content().isReadable();
        ch.write(content, ch.voidPromise());
        unflushed = true;
        if (!ch.isWritable()) {
            client.updateRead();
        }
        return true;
    }

    /** Flushes what this read of the client wrote to the backend, if anything. */
    void flush() {
        if (connection != null && unflushed) {
            unflushed = false;
            connection.channel().flush();
        }
    }

    /** Lets go of the connection of this attempt and returns it (null if there was none). */
    BackendConnection detach() {
        BackendConnection c = connection;
        connection = null;
        return c;
    }

    /** The attempt failed: its connection, if it had one, is unbound and closed. */
    void closeConnection() {
        BackendConnection c = detach();
        if (c != null) {
            c.unbind();
            c.channel().close();
        }
    }

    /**
     * The client left: the connection is kept, draining the answer into the
     * void ({@link BackendConnection#drain}), when the backend has the whole
     * request and had not begun to answer ({@code answering} false); otherwise it closes.
     */
    void abandon(boolean answering) {
        BackendConnection c = detach();
        if (c == null) {
            return;
        }
        Channel ch = c.channel();
        if (complete && headWritten && !answering && ch.isActive()) {
            // Keeping the connection (as HAProxy does) spares opening a new one.
            c.drain();
            ch.config().setAutoRead(true);
        } else {
            c.unbind();
            ch.close();
        }
    }

    /** The request goes again: a request whose body was only its end re-sends that empty end with the head. */
    void prepareResend() {
        if (complete && unsent.isEmpty() && !(request instanceof FullHttpRequest)) {
            unsent.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** The request will not be sent: the body parts that wait are released. */
    void dropUnsent() {
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            c.release();
        }
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }
}
