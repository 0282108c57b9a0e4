package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.tandem.config.Template;
import io.tandem.core.limit.ClientLimiter;
import io.tandem.core.strategy.RequestContext;
import io.tandem.server.metrics.ProxyProtocolRejection;
import io.tandem.server.tls.ClientSubject;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a proxied connection. Decoded requests become
 * {@link Exchange}s, one at a time and in order: requests a client pipelines
 * wait in {@link #pending} (reading stops while any wait) until the response
 * before them has ended.
 *
 * <p>Timers: a new connection and a started request head have the listener's
 * {@code header} time to complete the head (408 once bytes of it arrived, a
 * silent close before); a kept-alive connection between requests has
 * {@code idle}. The head timer starts at the first byte of a head, which the
 * {@link FrontendCodec} reports, so a client trickling a head (slowloris)
 * cannot hold a connection longer than {@code header}.
 *
 * <p>On a listener that accepts the PROXY protocol, the header comes first
 * (from {@link ProxyHeaderDecoder}) and sets the client's address and port and
 * the address it connected to, before any request is read; the new
 * connection's {@code header} timer covers it, so a trusted source that sends
 * no header is closed like a client that sends nothing.
 *
 * <p>Confined to the client channel's event loop. Also the
 * {@link RequestContext} strategies read, so a pick allocates nothing.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter
        implements ClientConnection, RequestContext, FrontendCodec.HeadListener, Template.Values {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ListenerRuntime listener;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(2);
    /** Begun again by each exchange: a request's tried backends cost no allocation. */
    private final BackendChoice choice = new BackendChoice();
    /** Begun again by each exchange: its request side, which this handler flushes and asks about reading. */
    private final UpstreamRequest upstream = new UpstreamRequest(this);
    /** Begun again by each request: what its route is chosen by. */
    private final RequestFacts facts = new RequestFacts();
    /** The X-Request-Id of the current request (for templates). */
    private String requestId;
    /** The current request's version as the client spoke it, for the access log of a local answer. */
    private String requestProtocol;
    /** The current request's body limit (0: none) and the body bytes it sent so far. */
    private long bodyLimit;
    private long bodyBytes;
    /** This connection counts against the listener's connection cap. */
    private boolean counted;
    /** Set by {@link #admitted} when the request took a slot of its client's in-flight cap. */
    private ClientLimiter.Client heldSlot;
    /** Begun again by each exchange: its response side. */
    private final DownstreamResponse downstream = new DownstreamResponse(this);
    private ChannelHandlerContext ctx;
    private Exchange current;
    private HttpRequest request;
    private ConnectionTimer timer;
    private final Runnable onTimeout = this::timerFired;
    private boolean timerIsIdle;
    /** Bytes of a request head arrived and the head is not complete yet. */
    private boolean headInProgress;
    private boolean closing;
    /** Set when the daemon shuts down: the current response is the last on this connection. */
    private boolean draining;
    private final boolean https;
    /** The subject of the client's certificate (mutual TLS), or null. */
    private String clientSubject;
    /** The server name of the client's TLS hello, or null. */
    private String sni;
    /** The TLS version, cipher and server name, once the handshake is done. */
    private AccessEntry.TlsSession tlsSession;
    private String clientIp = "unknown";
    private String forwardedFor = "for=unknown";
    private byte[] clientAddress;
    /** The client's address and port: the socket's peer, or what a PROXY header said. */
    private InetSocketAddress source;
    /** Where the client connected: this listener's address, or a PROXY header's destination. */
    private InetSocketAddress destination;
    /** The listener accepts the PROXY protocol and this connection's header has not come yet. */
    private boolean awaitingProxyHeader;
    /** Backend connections that carry this client's PROXY header; null until a pool that sends one is used. */
    private PrivateConnections privateConnections;
    /** The window {@link #cookie} answers with; see {@link Cookies.Value}. */
    private final Cookies.Value cookieValue = new Cookies.Value();
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
        this.headerTimeoutNanos = listener.routing().headerTimeoutNanos();
        this.idleTimeoutNanos = listener.routing().idleTimeoutNanos();
        this.h2 = null;
    }

    /**
     * The handler of one stream of an HTTP/2 connection: one request, the client and its TLS as
     * {@code connection} knows them; the connection counts against the listener's cap, the stream does not.
     */
    FrontendHandler(ListenerRuntime listener, Http2Connection connection) {
        this.listener = listener;
        this.https = connection.https();
        this.awaitingProxyHeader = false;
        this.headerTimeoutNanos = listener.routing().headerTimeoutNanos();
        this.idleTimeoutNanos = listener.routing().idleTimeoutNanos();
        this.h2 = connection;
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
        if (timer != null) {
            timer.stop();
        }
        closing = true;
        releasePending();
        return new Origin(source, destination, sni);
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
        return clientIp;
    }

    @Override
    public AccessEntry.TlsSession tlsSession() {
        return tlsSession;
    }

    @Override
    public RequestContext requestContext() {
        return this;
    }

    @Override
    public PrivateConnections privateConnections() {
        if (privateConnections == null) {
            // Made at the first request, so after any PROXY header this connection started with.
            privateConnections = new PrivateConnections(source, destination);
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
        this.timer = new ConnectionTimer(ctx.channel().eventLoop(), Math.min(headerTimeoutNanos, idleTimeoutNanos));
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress) {
            client((InetSocketAddress) ctx.channel().remoteAddress());
        }
        if (ctx.channel().localAddress() instanceof InetSocketAddress) {
            destination = (InetSocketAddress) ctx.channel().localAddress();
        }
        if (!https) {
            // Over TLS the handshake has its own timeout (the same duration); the head's starts after it.
            armTimer(false);
        }
        ctx.fireChannelActive();
    }

    /** A stream's channel: the client is the connection's; its request head is here already. */
    private void streamActive(ChannelHandlerContext ctx) {
        this.timer = new ConnectionTimer(ctx.channel().eventLoop(), Math.min(headerTimeoutNanos, idleTimeoutNanos));
        if (h2.source() != null) {
            client(h2.source());
        }
        destination = h2.destination();
        tlsSession = h2.tlsSession();
        clientSubject = h2.clientSubject();
        ctx.fireChannelActive();
    }

    /** {@code remote} is the client: every forwarding header, log line and hash uses it from now on. */
    private void client(InetSocketAddress remote) {
        source = remote;
        if (remote.getAddress() != null) {
            clientAddress = remote.getAddress().getAddress();
            clientIp = remote.getAddress().getHostAddress();
            forwardedFor = ForwardedHeaders.forwardedFor(clientIp);
        }
    }

    /**
     * The PROXY header of a trusted balancer, before any request: a proxied TCP
     * connection's addresses replace the socket's. {@code LOCAL} (the balancer's
     * own health check) and {@code UNKNOWN} keep the socket's, as the protocol says.
     */
    private void proxyHeader(HAProxyMessage header) {
        try {
            awaitingProxyHeader = false;
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (header.command() == HAProxyCommand.PROXY
                    && (protocol == HAProxyProxiedProtocol.TCP4 || protocol == HAProxyProxiedProtocol.TCP6)) {
                // Literals the decoder validated: no name lookup.
                client(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()),
                        header.sourcePort()));
                destination = new InetSocketAddress(
                        NetUtil.createInetAddressFromIpAddressString(header.destinationAddress()),
                        header.destinationPort());
            }
        } finally {
            header.release();
        }
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
        headInProgress = true;
        if (current == null && !closing) {
            armTimer(false);
        }
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest) {
            onRequest((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            if (((HttpContent) msg).decoderResult().isFailure()) {
                malformedBody((HttpContent) msg);
            } else if (current != null && !upstream.complete()) {
                if (bodyLimit > 0 && (bodyBytes += ((HttpContent) msg).content().readableBytes()) > bodyLimit) {
                    bodyTooLarge((HttpContent) msg);
                    return;
                }
                current.requestContent((HttpContent) msg);
            } else {
                // The rest of a request that was already answered (an error before its body).
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof HAProxyMessage) {
            proxyHeader((HAProxyMessage) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest req) {
        cancelTimer();
        headInProgress = false;
        if (req.decoderResult().isFailure()) {
            rejectMalformed(req);
            return;
        }
        HttpVersion version = req.protocolVersion();
        boolean http10 = HttpVersion.HTTP_1_0.equals(version);
        requestProtocol = h2 != null ? "HTTP/2.0" : http10 ? "HTTP/1.0" : "HTTP/1.1";
        if (h2 == null && Http2Upgrade.requested(listener, req)) {
            // What follows on this connection is HTTP/2's; the rest of this request (its empty end) is dropped.
            closing = true;
            Http2Upgrade.upgrade(ctx, listener, req);
            return;
        }
        if (!http10 && !HttpVersion.HTTP_1_1.equals(version)
                || h2 == null && !listener.routing().listener().http2().http1()) {
            ReferenceCountUtil.release(req);
            localReject(req, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "Only HTTP/1.0 and HTTP/1.1 are served here.");
            return;
        }
        if (req.method() == HttpMethod.CONNECT) {
            ReferenceCountUtil.release(req);
            localReject(req, HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "CONNECT is not served: this is a reverse proxy.");
            return;
        }
        HttpHeaders headers = req.headers();
        String host = headers.get(HttpHeaderNames.HOST);
        if (!http10 && host == null) {
            ReferenceCountUtil.release(req);
            localReject(req, HttpResponseStatus.BAD_REQUEST, "An HTTP/1.1 request needs a Host header.");
            return;
        }
        // One read of the routing: a reload swaps it whole, this request keeps the one it saw.
        Routing routing = listener.routing();
        Route route = routing.route(facts.begin(req, host, clientAddress));
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        int tokens = ForwardedHeaders.removeHopByHop(headers);
        boolean keepAlive = http10 ? (tokens & ForwardedHeaders.KEEP_ALIVE_TOKEN) != 0
                : (tokens & ForwardedHeaders.CLOSE) == 0;
        boolean upgrading = upgrade != null && (tokens & ForwardedHeaders.UPGRADE) != 0 && !http10;
        if (upgrading) {
            // The one hop-by-hop header that must reach the backend: it asks for the switch.
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        String requestId = ForwardedHeaders.addForwarding(headers, clientIp, forwardedFor, host, https);
        AsciiString clientCertHeader = routing.clientCertHeader();
        if (clientCertHeader != null) {
            // Only Tandem speaks for the client's certificate.
            headers.remove(clientCertHeader);
            if (clientSubject != null) {
                headers.add(clientCertHeader, clientSubject);
            }
        }
        if (http10 && host == null) {
            // A 1.0 request may lack Host; HTTP/1.1 to the backend requires it.
            headers.set(HttpHeaderNames.HOST, "");
        }
        // Backends are always spoken to in HTTP/1.1 keep-alive, whatever the client speaks.
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // No body (RFC 9112 section 6.3): the head goes out as one complete message, one
            // write instead of two; the empty end the decoder sends after it is dropped.
            req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), Unpooled.EMPTY_BUFFER,
                    headers, EmptyHttpHeaders.INSTANCE);
        }
        this.requestId = requestId;
        boolean keepOpen = keepAlive && !upgrading && !http10;
        if (!admitted(routing, route, req, keepOpen)) {
            return;
        }
        ClientLimiter.Client held = heldSlot;
        heldSlot = null;
        if (route.answersItself()) {
            if (held != null) {
                held.release();
            }
            ReferenceCountUtil.release(req);
            answerLocally(routing, req, route.answer(this), keepOpen);
            return;
        }
        route.rewrite(req, facts, this);
        request = req;
        current = new Exchange(this, req, route, routing, choice, upstream, downstream,
                keepAlive && !draining, http10, upgrading, requestId, held);
        // Sent now, or in its turn when this loop has more requests than it starts in one pass.
        Dispatcher.current().submit(current, ctx.channel().eventLoop());
        // Usually a no-op: reading stops only under backpressure, not per request.
        updateClientRead();
    }

    /**
     * The listener's and the route's access, then the route's limits: true when
     * the request may go on (with {@link #heldSlot} set when it took a slot of its
     * client's in-flight cap), false when it was answered here (403, 401, 413, 429).
     */
    private boolean admitted(Routing routing, Route route, HttpRequest req, boolean keepOpen) {
        HttpHeaders headers = req.headers();
        AccessRule refusedBy = routing.access();
        int refused = refusedBy.check(clientAddress, headers);
        if (refused == AccessRule.ALLOWED) {
            refusedBy = route.access();
            refused = refusedBy.check(clientAddress, headers);
        }
        if (refused != AccessRule.ALLOWED) {
            ReferenceCountUtil.release(req);
            if (refused == 503) {
                listener.meters().limited("password-checks");
            }
            FullHttpResponse answer = ErrorResponses.response(HttpResponseStatus.valueOf(refused),
                    AccessRule.reason(refused), false, refused == 503 ? "1" : null, requestId);
            if (refused == 401) {
                answer.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, refusedBy.challenge());
            }
            answerLocally(routing, req, answer, keepOpen);
            return false;
        }
        bodyLimit = route.bodyLimit();
        bodyBytes = 0;
        if (bodyLimit > 0 && HttpUtil.getContentLength(req, -1L) > bodyLimit) {
            ReferenceCountUtil.release(req);
            listener.meters().limited("body");
            // The body is not read: the connection closes after the answer.
            answerLocally(routing, req, ErrorResponses.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than this resource accepts.", true, null, requestId), false);
            return false;
        }
        ClientLimiter limiter = route.limiter();
        if (limiter == null || clientAddress == null) {
            return true;
        }
        ClientLimiter.Client client = limiter.client(clientAddress);
        ClientLimiter.Verdict verdict = limiter.admit(client);
        if (verdict == ClientLimiter.Verdict.ADMITTED) {
            heldSlot = limiter.capsInFlight() ? client : null;
            return true;
        }
        ReferenceCountUtil.release(req);
        boolean rate = verdict == ClientLimiter.Verdict.RATE;
        listener.meters().limited(rate ? "rate" : "connections");
        // Whole seconds, rounded up: a client that waits that long is let through.
        long wait = rate ? Math.max(1, (limiter.retryAfterNanos(client) + 999_999_999) / 1_000_000_000) : 1;
        answerLocally(routing, req, ErrorResponses.response(HttpResponseStatus.TOO_MANY_REQUESTS, rate
                ? "Too many requests from your address; retry later."
                : "Too many requests from your address at once; retry later.", false, Long.toString(wait),
                requestId), keepOpen);
        return false;
    }

    /**
     * Answers a request without a backend (a redirect or a fixed response of its
     * route), counts and logs it; the connection stays open when {@code keepAlive}
     * (a body the request still sends is read and dropped).
     */
    private void answerLocally(Routing routing, HttpRequest req, FullHttpResponse answer, boolean keepAlive) {
        boolean close = !keepAlive || draining;
        answer.headers().set(ForwardedHeaders.X_REQUEST_ID, requestId);
        if (https && routing.hsts() != null) {
            answer.headers().set(ResponseHead.STRICT_TRANSPORT_SECURITY, routing.hsts());
        }
        if (close) {
            answer.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        int code = answer.status().code();
        int bytes = answer.content().readableBytes();
        listener.meters().localAnswer(code);
        AccessLog accessLog = routing.accessLog();
        if (accessLog != AccessLog.OFF) {
            AccessEntry e = AccessEntry.of(this, req, requestProtocol);
            // The request-target as the client sent it, not as a rewrite would have made it.
            e.uri = facts.uri;
            e.status = code;
            e.bytesOut = bytes;
            e.requestId = requestId;
            accessLog.log(e);
        }
        if (close) {
            closing = true;
            releasePending();
        }
        ErrorResponses.write(ctx.channel(), answer, close);
        if (!close) {
            nextRequest();
        }
    }

    @Override
    public Template.Values requestValues() {
        return this;
    }

    @Override
    public String value(Template.Variable variable) {
        return switch (variable) {
            case CLIENT -> clientIp;
            case REQUEST_ID -> requestId;
            case HOST -> facts.hostname();
            case SCHEME -> https ? "https" : "http";
            case PATH -> facts.path();
            case QUERY -> facts.query();
            case URI -> facts.uri;
        };
    }

    /**
     * The request body grew past its route's limit: 413 when the response has
     * not begun, else the connection is cut.
     */
    private void bodyTooLarge(HttpContent content) {
        content.release();
        listener.meters().limited("body");
        Exchange e = current;
        HttpRequest req = request;
        current = null;
        request = null;
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
        HttpRequest req = request;
        current = null;
        request = null;
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
        listener.meters().localAnswer(status.code());
        long bytes = reject(status, message);
        AccessLog accessLog = listener.routing().accessLog();
        if (accessLog != AccessLog.OFF) {
            AccessEntry e = AccessEntry.of(this, req, req == null ? null : req.protocolVersion().text());
            e.status = status.code();
            e.bytesOut = bytes;
            accessLog.log(e);
        }
    }

    private void rejectMalformed(HttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        ReferenceCountUtil.release(req);
        HttpResponseStatus status;
        String message;
        if (cause instanceof FrontendCodec.Rejection) {
            FrontendCodec.Rejection r = (FrontendCodec.Rejection) cause;
            status = HttpResponseStatus.valueOf(r.status);
            message = r.status == 501 ? "The request uses a transfer coding this proxy does not implement."
                    : "The request is malformed: " + r.getMessage() + ".";
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            message = "The request line is longer than this listener accepts.";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "The request headers are larger than this listener accepts.";
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "The request is malformed: a part of it is too long.";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "The request is malformed.";
        }
        log.debug("rejected request from {}: {}", clientIp, cause == null ? "?" : cause.getMessage());
        localReject(req, status, message);
    }

    private long reject(HttpResponseStatus status, String message) {
        closing = true;
        releasePending();
        return ErrorResponses.send(ctx.channel(), status, message, true, null);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            upstream.flush();
        }
    }

    @Override
    public String requestProtocol() {
        return requestProtocol;
    }

    @Override
    public boolean rawResponses() {
        // An HTTP/2 stream writes responses as frames, made from the objects.
        return h2 == null;
    }

    @Override
    public void exchangeDone(boolean keepAlive) {
        assert ctx.channel().eventLoop().inEventLoop();
        current = null;
        request = null;
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
        request = null;
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
        armTimer(!headInProgress);
        drainPending();
        updateClientRead();
    }

    @Override
    public void exchangeUpgraded(BackendConnection backend) {
        current = null;
        request = null;
        closing = true;
        timer.stop();
        releasePending();
        Tunnel.join(ctx.channel(), backend);
    }

    @Override
    public void exchangeCut() {
        current = null;
        request = null;
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
            sni = ((SniCompletionEvent) evt).hostname();
        }
        if (evt instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent) evt).isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (listener.routing().clientCertHeader() != null) {
                clientSubject = ClientSubject.of(ssl);
            }
            if (ssl != null) {
                SSLSession session = ssl.engine().getSession();
                tlsSession = new AccessEntry.TlsSession(session.getProtocol(), session.getCipherSuite(), sni);
            }
            armTimer(false);
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
        if (timer != null) {
            timer.stop();
        }
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
        log.debug("client connection {} failed: {}", clientIp, cause.toString());
        ctx.close();
    }

    private void armTimer(boolean idle) {
        timerIsIdle = idle;
        timer.arm(idle ? idleTimeoutNanos : headerTimeoutNanos, onTimeout);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.disarm();
        }
    }

    @Override
    public ConnectionTimer timer() {
        return timer;
    }

    private void timerFired() {
        if (current != null || closing) {
            return;
        }
        if (awaitingProxyHeader) {
            listener.meters().proxyProtocolRejected(ProxyProtocolRejection.TIMEOUT);
            log.debug("closed a connection from {}: no PROXY header in time", ctx.channel().remoteAddress());
        }
        if (timerIsIdle || !headInProgress) {
            // Nothing of a request arrived: there is no one to answer.
            closing = true;
            ctx.close();
        } else {
            listener.meters().localAnswer(408);
            reject(HttpResponseStatus.REQUEST_TIMEOUT, "The request headers did not arrive in time.");
        }
    }

    private void releasePending() {
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public byte[] sourceAddress() {
        return clientAddress;
    }

    @Override
    public CharSequence header(CharSequence name) {
        return request == null ? null : request.headers().get(name);
    }

    @Override
    public CharSequence cookie(CharSequence name) {
        if (request == null) {
            return null;
        }
        // HTTP/1.1 clients send one Cookie header: look there without allocating.
        String first = request.headers().get(HttpHeaderNames.COOKIE);
        if (first == null) {
            return null;
        }
        CharSequence value = Cookies.find(first, name, cookieValue);
        if (value != null) {
            return value;
        }
        java.util.List<String> all = request.headers().getAll(HttpHeaderNames.COOKIE);
        for (int i = 1; i < all.size(); i++) {
            value = Cookies.find(all.get(i), name, cookieValue);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
