package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * A backend response head that {@link RawResponseDecoder} found plain enough
 * to forward as bytes, with the part of its body that came in the same read.
 *
 * <p>{@link #head} holds the status line and the header lines as the backend
 * sent them, in their order and spelling, less the hop-by-hop lines; it ends
 * after the CRLF of the last kept line, without the empty line. Whoever sends
 * it on appends what it adds (X-Request-Id, Set-Cookie, Connection) and the
 * empty line. {@link #body} holds the first body bytes (maybe none); the rest,
 * if {@link #complete} is false, follows as {@link RawBody} parts.
 *
 * <p>Releasing it releases both buffers. Written to a client, it is sent by
 * {@link FrontendCodec.Encoder}, which hands the two buffers on to the socket
 * (they are released when sent) and leaves this holder to the garbage collector.
 */
final class RawResponse extends AbstractReferenceCounted {

    final int status;
    /** The body length to the client: Content-Length, or 0 when the response can have no body. */
    final long contentLength;
    /** The backend said {@code Connection: close}: its connection ends with this response. */
    final boolean close;
    /** The backend set X-Request-Id itself. */
    final boolean hasRequestId;
    /** The backend set Strict-Transport-Security itself. */
    final boolean hasHsts;
    /** The whole body is in {@link #body}. */
    final boolean complete;
    final ByteBuf head;
    final ByteBuf body;

    RawResponse(int status, long contentLength, boolean close, boolean hasRequestId, boolean hasHsts,
                boolean complete, ByteBuf head, ByteBuf body) {
        this.status = status;
        this.contentLength = contentLength;
        this.close = close;
        this.hasRequestId = hasRequestId;
        this.hasHsts = hasHsts;
        this.complete = complete;
        this.head = head;
        this.body = body;
    }

    @Override
    protected void deallocate() {
        head.release();
        body.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        head.touch(hint);
        body.touch(hint);
        return this;
    }
}
