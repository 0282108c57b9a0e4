package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.config.Template;
import io.tandem.core.strategy.RequestContext;
import io.tandem.server.metrics.ProxyProtocolRejection;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a proxied connection: the connection's lifecycle, not the
 * request's. Decoded request heads go to {@link RequestIntake}, which answers
 * them here or makes them {@link Exchange}s; the exchanges run one at a time
 * and in order: requests a client pipelines wait in {@link #pending} (reading
 * stops while any wait) until the response before them has ended. Who the
 * client is (its address, a PROXY header's, its TLS) is kept in
 * {@link ClientPeer}; the request in progress, as strategies and templates
 * read it, in {@link ClientRequest}.
 *
 * <p>Timers ({@link HeadTimer}): a new connection and a started request head
 * have the listener's {@code header} time to complete the head (408 once bytes
 * of it arrived, a silent close before); a kept-alive connection between
 * requests has {@code idle}.
 *
 * <p>On a listener that accepts the PROXY protocol, the header comes first
 * (from {@link ProxyHeaderDecoder}) and sets the client's address and port and
 * the address it connected to, before any request is read; the new
 * connection's {@code header} timer covers it, so a trusted source that sends
 * no header is closed like a client that sends nothing.
 *
 * <p>Confined to the client channel's event loop.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter
        implements ClientConnection, FrontendCodec.HeadListener {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ListenerRuntime listener;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(2);
    /** Begun again by each exchange: a request's tried backends cost no allocation. */
    private final BackendChoice choice = new BackendChoice();
    /** Begun again by each exchange: its request side, which this handler flushes and asks about reading. */
    private final UpstreamRequest upstream = new UpstreamRequest(this);
    /** This connection counts against the listener's connection cap. */
    private boolean counted;
    /** What becomes of each request head: an answer here, or an exchange to a backend. */
    private final RequestIntake intake;
    /** Begun again by each exchange: its response side. */
    private final DownstreamResponse downstream = new DownstreamResponse(this);
    private ChannelHandlerContext ctx;
    private Exchange current;
    /** The header and idle times on the connection's one timer. */
    private final HeadTimer timer;
    private boolean closing;
    /** Set when the daemon shuts down: the current response is the last on this connection. */
    private boolean draining;
    private final boolean https;
    /** Who the client is: its address (the socket's or a PROXY header's) and what its TLS said. */
    private final ClientPeer peer = new ClientPeer();
    /** Begun again by each request: its head as the backend gets it, and as strategies and templates read it. */
    private final ClientRequest request;
    /** The listener accepts the PROXY protocol and this connection's header has not come yet. */
    private boolean awaitingProxyHeader;
    /** Backend connections that carry this client's PROXY header; null until a pool that sends one is used. */
    private PrivateConnections privateConnections;
    /** The HTTP/2 connection this handler serves one stream of, or null for an HTTP/1.x connection. */
    private final Http2Connection h2;

    /** What an HTTP/1.1 connection hands to the HTTP/2 handlers that replace it: the client, and the SNI name. */
    record Origin(InetSocketAddress source, InetSocketAddress destination, String sni) {}

    FrontendHandler(ListenerRuntime listener) {
        this(listener, false, false);
    }

    /**
     * @param https       whether this connection came over TLS (the forwarding headers say so)
     * @param proxyHeader the connection starts with a PROXY protocol header, which sets the client's
     *                    address (before the TLS handshake, when there is one)
     */
    FrontendHandler(ListenerRuntime listener, boolean https, boolean proxyHeader) {
        this.listener = listener;
        this.https = https;
        this.awaitingProxyHeader = proxyHeader;
        this.timer = new HeadTimer(listener.routing().headerTimeoutNanos(), listener.routing().idleTimeoutNanos(),
                this::timerFired);
        this.h2 = null;
        this.request = new ClientRequest(peer, https);
        this.intake = new RequestIntake(listener, this, h2 != null, peer, request, choice, upstream, downstream);
    }

    /**
     * The handler of one stream of an HTTP/2 connection: one request, the client and its TLS as
     * {@code connection} knows them; the connection counts against the listener's cap, the stream does not.
     */
    FrontendHandler(ListenerRuntime listener, Http2Connection connection) {
        this.listener = listener;
        this.https = connection.https();
        this.awaitingProxyHeader = false;
        this.timer = new HeadTimer(listener.routing().headerTimeoutNanos(), listener.routing().idleTimeoutNanos(),
                this::timerFired);
        this.h2 = connection;
        this.request = new ClientRequest(peer, https);
        this.intake = new RequestIntake(listener, this, h2 != null, peer, request, choice, upstream, downstream);
    }

    /**
     * This connection becomes an HTTP/2 one: it no longer counts here (the HTTP/2 handler counts it) and its
     * timer stops; returns the client's address and SNI name for the streams. Called before the handler leaves.
     */
    Origin handOver() {
        if (counted) {
            counted = false;
            listener.connectionClosed();
        }
        timer.stop();
        closing = true;
        releasePending();
        return new Origin(peer.source(), peer.destination(), peer.sni());
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public boolean https() {
        return https;
    }

    @Override
    public String clientIp() {
        return peer.ip();
    }

    @Override
    public AccessEntry.TlsSession tlsSession() {
        return peer.tlsSession();
    }

    @Override
    public RequestContext requestContext() {
        return request;
    }

    /** The client's address bytes (4 or 16) as strategies hash them, or null when unknown. */
    byte[] sourceAddress() {
        return peer.address();
    }

    @Override
    public PrivateConnections privateConnections() {
        if (privateConnections == null) {
            // Made at the first request, so after any PROXY header this connection started with.
            privateConnections = new PrivateConnections(peer.source(), peer.destination());
        }
        return privateConnections;
    }

    @Override
    public BackendConnector connector() {
        return listener.connector();
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public void updateRead() {
        updateClientRead();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (h2 != null) {
            streamActive(ctx);
            return;
        }
        if (!listener.connectionOpened(listener.routing().maxConnections())) {
            // Over the listener's cap, accepted in the batch that reached it (the listener stops accepting
            // there): closed before a byte is read.
            listener.meters().limited("listener-connections");
            closing = true;
            ctx.close();
            return;
        }
        counted = true;
        timer.start(ctx.channel().eventLoop());
        peer.accepted(ctx.channel());
        if (!https) {
            // Over TLS the handshake has its own timeout (the same duration); the head's starts after it.
            timer.awaitHead();
        }
        ctx.fireChannelActive();
    }

    /** A stream's channel: the client is the connection's; its request head is here already. */
    private void streamActive(ChannelHandlerContext ctx) {
        timer.start(ctx.channel().eventLoop());
        peer.stream(h2);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pending.isEmpty() || (current != null && msg instanceof HttpRequest)) {
            pending.add(msg);
            updateClientRead();
            return;
        }
        handle(msg);
    }

    @Override
    public void headStarted() {
        timer.headStarted(current == null && !closing);
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest) {
            onRequest((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            if (((HttpContent) msg).decoderResult().isFailure()) {
                malformedBody((HttpContent) msg);
            } else if (current != null && !upstream.complete()) {
                if (!intake.bodyWithinLimit(((HttpContent) msg).content().readableBytes())) {
                    bodyTooLarge((HttpContent) msg);
                    return;
                }
                current.requestContent((HttpContent) msg);
            } else {
                // The rest of a request that was already answered (an error before its body).
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof HAProxyMessage) {
            awaitingProxyHeader = false;
            peer.proxyHeader((HAProxyMessage) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest req) {
        timer.headArrived();
        if (req.decoderResult().isFailure()) {
            rejectMalformed(req);
            return;
        }
        HttpVersion version = req.protocolVersion();
        boolean http10 = HttpVersion.HTTP_1_0.equals(version);
        request.begin(h2 != null ? "HTTP/2.0" : http10 ? "HTTP/1.0" : "HTTP/1.1");
        if (h2 == null && Http2Upgrade.requested(listener, req)) {
            // What follows on this connection is HTTP/2's; the rest of this request (its empty end) is dropped.
            closing = true;
            Http2Upgrade.upgrade(ctx, listener, req);
            return;
        }
        Exchange next = intake.accept(req, http10, draining);
        if (next == null) {
            if (intake.closes()) {
                closing = true;
                releasePending();
            } else {
                nextRequest();
            }
            return;
        }
        current = next;
        // Sent now, or in its turn when this loop has more requests than it starts in one pass.
        Dispatcher.current().submit(current, ctx.channel().eventLoop());
        // Usually a no-op: reading stops only under backpressure, not per request.
        updateClientRead();
    }

    @Override
    public Template.Values requestValues() {
        return request;
    }

    /**
     * The request body grew past its route's limit: 413 when the response has
     * not begun, else the connection is cut.
     */
    private void bodyTooLarge(HttpContent content) {
        content.release();
        Exchange e = current;
        HttpRequest req = request.head();
        current = null;
        request.ended();
        boolean started = e.responseStarted();
        e.abort();
        if (started) {
            closeAfterFlush();
        } else {
            localReject(req, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than this resource accepts.");
        }
    }

    /** A request body that cannot be parsed (bad chunk size or delimiter): nothing more can be read. */
    private void malformedBody(HttpContent content) {
        content.release();
        Exchange e = current;
        HttpRequest req = request.head();
        current = null;
        request.ended();
        if (e != null && e.responseStarted()) {
            e.abort();
            closeAfterFlush();
            return;
        }
        if (e != null) {
            e.abort();
        }
        localReject(e == null ? null : req, HttpResponseStatus.BAD_REQUEST, "The request body is malformed.");
    }

    /** Answers a request Tandem will not proxy, counts and logs it, and closes the connection. */
    private void localReject(HttpRequest req, HttpResponseStatus status, String message) {
        closing = true;
        releasePending();
        intake.answers().reject(req, status, message);
    }

    private void rejectMalformed(HttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        ReferenceCountUtil.release(req);
        log.debug("rejected request from {}: {}", peer.ip(), cause == null ? "?" : cause.getMessage());
        LocalAnswers.Refusal refusal = LocalAnswers.malformed(cause);
        localReject(req, refusal.status(), refusal.message());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            upstream.flush();
        }
    }

    @Override
    public String requestProtocol() {
        return request.protocol();
    }

    @Override
    public boolean rawResponses() {
        // An HTTP/2 stream's codec makes its frames from the bytes too (Http2StreamCodec).
        return true;
    }

    @Override
    public void exchangeDone(boolean keepAlive) {
        assert ctx.channel().eventLoop().inEventLoop();
        current = null;
        request.ended();
        if (h2 != null) {
            // The stream ended with its response (its channel closes with it), or the request's body is
            // still coming: then closing resets the stream, as it would close an HTTP/1.1 connection.
            if (!keepAlive) {
                closeAfterFlush();
            }
            return;
        }
        if (!keepAlive || draining) {
            closeAfterFlush();
            return;
        }
        nextRequest();
    }

    @Override
    public void exchangeAnswered(FullHttpResponse answer, boolean close) {
        current = null;
        request.ended();
        if (close) {
            closing = true;
            releasePending();
        }
        ErrorResponses.write(ctx.channel(), answer, close);
        if (!close) {
            nextRequest();
        }
    }

    /** The connection is free again: its idle timer runs and a pipelined request may start. */
    private void nextRequest() {
        timer.awaitNext();
        drainPending();
        updateClientRead();
    }

    @Override
    public void exchangeUpgraded(BackendConnection backend) {
        current = null;
        request.ended();
        closing = true;
        timer.stop();
        releasePending();
        Tunnel.join(ctx.channel(), backend);
    }

    @Override
    public void exchangeCut() {
        current = null;
        request.ended();
        closeAfterFlush();
    }

    private void closeAfterFlush() {
        closing = true;
        releasePending();
        ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void drainPending() {
        while (!closing && !pending.isEmpty()) {
            if (current != null && pending.peek() instanceof HttpRequest) {
                return;
            }
            handle(pending.poll());
        }
    }

    /** Reads from the client only while there is room for what it sends. */
    void updateClientRead() {
        boolean want = !closing && pending.isEmpty() && (current == null || upstream.wantsBytes());
        if (ctx.channel().config().isAutoRead() != want) {
            ctx.channel().config().setAutoRead(want);
        }
    }

    /**
     * The daemon is shutting down: an idle connection closes now, a busy one
     * after its current response (sent with {@code Connection: close}).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent) {
            peer.sni(((SniCompletionEvent) evt).hostname());
        }
        if (evt instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent) evt).isSuccess()) {
            peer.handshakeDone(ctx.pipeline().get(SslHandler.class), listener.routing().clientCertHeader() != null);
            timer.awaitHead();
        }
        if (evt == ShutdownEvent.INSTANCE) {
            draining = true;
            if (current == null) {
                closing = true;
                releasePending();
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.clientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (counted) {
            counted = false;
            listener.connectionClosed();
        }
        timer.stop();
        if (current != null) {
            // A stream's reset is the client's cancel: its backend connection closes, whatever was sent.
            current.abort(h2 != null);
            current = null;
        }
        releasePending();
        if (privateConnections != null) {
            privateConnections.closeAll();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", peer.ip(), cause.toString());
        ctx.close();
    }

    @Override
    public ConnectionTimer timer() {
        return timer.timer();
    }

    private void timerFired() {
        if (current != null || closing) {
            return;
        }
        if (awaitingProxyHeader) {
            listener.meters().proxyProtocolRejected(ProxyProtocolRejection.TIMEOUT);
            log.debug("closed a connection from {}: no PROXY header in time", ctx.channel().remoteAddress());
        }
        if (!timer.midHead()) {
            // Nothing of a request arrived: there is no one to answer.
            closing = true;
            ctx.close();
        } else {
            closing = true;
            releasePending();
            intake.answers().headTimedOut();
        }
    }

    private void releasePending() {
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
