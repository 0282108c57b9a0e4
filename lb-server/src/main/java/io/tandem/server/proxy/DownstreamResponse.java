package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.config.Template;

/**
 * The response side of an {@link Exchange}: writes the backend's response to
 * the client, in either form (bytes, or objects), with {@link ResponseHead}'s
 * edits; passes interim answers on (not to an HTTP/1.0 client); counts the
 * body bytes the client gets; and keeps what the head said of both
 * connections (may the backend's and the client's stay open). It writes and
 * never flushes but for a 101: flushes stay where the exchange puts them.
 *
 * <p>One per client connection, begun again for each of its requests (they
 * run one at a time), so a response allocates nothing here. Confined to the
 * client channel's event loop.
 */
final class DownstreamResponse {

    private final ClientConnection client;
    private Channel channel;
    private boolean clientHttp10;
    private boolean keepClient;
    private boolean backendKeepAlive;
    /** The Strict-Transport-Security value this response gets unless it has one, or null. */
    private String hsts;
    /** The route's response header edits (object path only: a route with edits never gets raw heads). */
    private HeaderEdits edits = HeaderEdits.NONE;
    private Template.Values values;
    /** An interim (1xx) response is under way: the end that follows is its, not the final one's. */
    private boolean informational;
    /** Response body bytes written to the client. */
    private long bytes;

    DownstreamResponse(ClientConnection client) {
        this.client = client;
    }

    /**
     * Starts with a new request of the client.
     *
     * @param hsts the Strict-Transport-Security value for responses to it (a TLS listener with hsts), or null
     */
    void begin(boolean clientKeepAlive, boolean clientHttp10, String hsts, HeaderEdits edits,
               Template.Values values) {
        this.channel = client.channel();
        this.edits = edits;
        this.values = values;
        this.hsts = hsts;
        this.keepClient = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        backendKeepAlive = false;
        informational = false;
        bytes = 0;
    }

    /** The Strict-Transport-Security value of this response, or null. */
    String hsts() {
        return hsts;
    }

    /** The client connection may carry another request after this response (as far as the response goes). */
    boolean keepClient() {
        return keepClient;
    }

    /** The backend's connection may carry another request after this response. */
    boolean backendKeepAlive() {
        return backendKeepAlive;
    }

    /** Response body bytes written to the client. */
    long bytes() {
        return bytes;
    }

    /** 100 Continue and other interim answers pass through; the final one follows. */
    void interim(HttpResponse response) {
        informational = true;
        ResponseHead.editInterim(response);
        toClientUnlessHttp10(response);
    }

    /** The final response's head on the object path; {@code bodiless}: it can have no body whatever it says. */
    void head(HttpResponse response, String requestId, String cookie, boolean bodiless) {
        int framing = ResponseHead.edit(response, requestId, cookie, keepClient, clientHttp10, bodiless,
                hsts);
        backendKeepAlive = (framing & ResponseHead.BACKEND_KEEP_ALIVE) != 0;
        keepClient &= (framing & ResponseHead.CLIENT_CLOSE_DELIMITED) == 0;
        if (!edits.isEmpty()) {
            edits.apply(response.headers(), values);
        }
        channel.write(response, channel.voidPromise());
    }

    /**
     * A part of a body on the object path. Returns false when it was the
     * empty end of an interim response, which is not part of the response.
     */
    boolean body(HttpContent content) {
        if (informational) {
            // The empty end the codec emits after an interim response closes
            // it for the client's encoder too.
            informational = false;
            toClientUnlessHttp10(content);
            return false;
        }
        bytes += content.content().readableBytes();
        channel.write(content, channel.voidPromise());
        return true;
    }

    /** A response head forwarded as bytes, completed here; head and first body bytes go in one write. */
    void head(RawResponse response, String requestId, String cookie) {
        backendKeepAlive = !response.close;
        ResponseHead.edit(response, requestId, cookie, keepClient, clientHttp10, hsts);
        bytes += response.body.readableBytes();
        channel.write(response, channel.voidPromise());
    }

    /** More body bytes of a response forwarded as bytes. */
    void body(RawBody part) {
        bytes += part.content().readableBytes();
        channel.write(part, channel.voidPromise());
    }

    /** The backend's 101 to an upgrade request goes to the client, flushed: raw bytes follow. */
    void switched(HttpResponse response) {
        ResponseHead.editSwitch(response);
        channel.write(response, channel.voidPromise());
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    }

    /** An interim response goes to the client, but not to an HTTP/1.0 one (RFC 9110 section 15.2). */
    private void toClientUnlessHttp10(HttpObject msg) {
        if (!clientHttp10) {
            channel.write(msg, channel.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }
}
