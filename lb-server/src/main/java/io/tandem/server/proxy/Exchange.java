package io.tandem.server.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.pool.Backend;
import io.tandem.server.Buffers;
import io.tandem.server.NetErrors;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.metrics.RetryCause;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One request and its response, from the request head to the response end:
 * picks a backend, takes or opens a connection to it on the client's event
 * loop, streams both bodies with backpressure, retries where it is safe, and
 * answers 502/503/504 itself when it must. An upgrade request (WebSocket and
 * the like) that the backend accepts with 101 turns both connections into a
 * byte {@link Tunnel}.
 *
 * <p>Retries (DESIGN.md, issue rules): a request that could not be sent goes to
 * another untried backend, up to the pool's {@code retries}: the connection was
 * refused or timed out, or the head could not be written. An idempotent request without a body also goes
 * again when the connection was reset after it was sent but before any
 * response byte. A non-idempotent request that was written is never sent again.
 * A reused keep-alive connection the backend had closed (stale) counts as not
 * sent: the request goes to another untried backend within {@code retries}.
 * It says nothing about the backend's health, though, so it is not counted as
 * a failure; and when no other backend may be tried (a pool of one, retries
 * used up) or the client is stuck to this backend by its cookie, the request
 * goes once more to the same backend on a new connection, as HAProxy does. A
 * further failure follows the rules above.
 *
 * <p>Confined to the client channel's event loop: no field needs a lock.
 */
final class Exchange implements Dispatcher.Job {

    /** Request body held while the backend connection is being made; reading the client stops beyond it. */
    static final int MAX_UNSENT_BYTES = 64 * 1024;

    private static final byte[] X_REQUEST_ID_LINE = "x-request-id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET_COOKIE_LINE = "set-cookie: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE_LINE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE_LINE =
            "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    /** The access log's status for a request whose client left before the response ended. */
    static final int CLIENT_CLOSED = 499;

    private final FrontendHandler front;
    private final Channel client;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final int listenerIndex;
    private final AccessLog accessLog;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean upgrading;
    private final boolean idempotent;
    private final String requestId;
    private final long startNanos = System.nanoTime();
    /** Request body parts received before a backend connection was ready. */
    private final ArrayDeque<HttpContent> unsent = new ArrayDeque<>(4);
    private int unsentBytes;
    private final Backend[] tried;
    private int triedCount;
    /** The sticky-session cookie the request carried, or null. */
    private String stickySent;

    private Backend backend;
    /** The meters of {@link #backend}, resolved once per attempt. */
    private BackendMeters meters;
    /** True while {@link #backend} counts this exchange among its in-flight requests. */
    private boolean counted;
    private Channel upstream;
    private boolean upstreamReused;
    /** Request bytes were written to {@link #upstream} since its last flush. */
    private boolean upstreamUnflushed;
    /** The request head was handed to the backend's socket. */
    private boolean headWritten;
    private boolean staleRetried;
    /** The backend was chosen by the client's sticky-session cookie. */
    private boolean stickyRouted;
    private boolean lastFailureTimedOut;
    private boolean requestComplete;
    private boolean bodyForwarded;
    private boolean informational;
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    private boolean keepClient;
    private boolean done;
    private int status;
    /** Response body bytes written to the client. */
    private long responseBytes;
    /** The response timeout runs on the client connection's timer while {@link #responseTimerArmed}. */
    private boolean responseTimerArmed;
    private final Runnable onResponseTimeout = this::responseTimedOut;

    Exchange(FrontendHandler front, Channel client, HttpRequest request, PoolRuntime pool, Routing routing,
             boolean clientKeepAlive, boolean clientHttp10, boolean upgrading, String requestId) {
        this.front = front;
        this.client = client;
        this.request = request;
        this.pool = pool;
        this.listenerIndex = routing.listenerIndex();
        this.accessLog = routing.accessLog();
        this.clientKeepAlive = clientKeepAlive;
        this.keepClient = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.upgrading = upgrading;
        this.requestId = requestId;
        this.idempotent = isIdempotent(request.method());
        this.requestComplete = request instanceof FullHttpRequest;
        this.tried = new Backend[pool.config().retries() + 1];
    }

    PoolRuntime pool() {
        return pool;
    }

    HttpRequest request() {
        return request;
    }

    int listenerIndex() {
        return listenerIndex;
    }

    AccessLog accessLog() {
        return accessLog;
    }

    String requestId() {
        return requestId;
    }

    long startNanos() {
        return startNanos;
    }

    /** The backend of the last attempt, or null when none was picked. */
    String backendId() {
        return backend == null ? null : backend.id();
    }

    boolean requestComplete() {
        return requestComplete;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    /** Whether the client connection may be read now for this exchange's sake. */
    boolean wantsRequestBytes() {
        if (requestComplete) {
            // After an upgrade request the next bytes may be another protocol:
            // they wait in the socket until the backend's answer says which.
            return !upgrading;
        }
        // While connecting, a little of the body may wait here; beyond that the client waits.
        return upstream != null ? upstream.isWritable() : unsentBytes < MAX_UNSENT_BYTES;
    }

    @Override
    public boolean ended() {
        return done;
    }

    @Override
    public void start() {
        attempt(null);
    }

    /** Picks an untried backend and sends the request there; {@code retry} says why this is not the first try. */
    private void attempt(RetryCause retry) {
        Backend next = pickUntried();
        if (next == null) {
            if (triedCount == 0) {
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "No backend of pool '" + pool.name() + "' is up.", "1");
            } else {
                unreachable();
            }
            return;
        }
        if (retry != null) {
            pool.meters().retried(retry);
        }
        tried[triedCount++] = next;
        use(next, false);
    }

    private void use(Backend next, boolean fresh) {
        if (backend != next) {
            meters = pool.meters().of(next);
        }
        backend = next;
        backend.requestStarted();
        counted = true;
        headWritten = false;
        Channel idle = fresh ? null : BackendConnections.current().poll(next);
        if (idle != null) {
            attach(idle, true);
        } else {
            connect(next);
        }
    }

    /** A backend from the pool that this exchange has not tried yet, or null. */
    private Backend pickUntried() {
        if (triedCount >= tried.length) {
            return null;
        }
        if (triedCount == 0) {
            stickySent = StickySessions.sent(pool, front);
            Backend named = StickySessions.named(pool, stickySent);
            if (named != null) {
                stickyRouted = true;
                return named;
            }
        }
        java.util.List<Backend> live = pool.pool().live();
        for (int i = 0; i <= live.size(); i++) {
            Backend b = pool.balancer().pick(front);
            if (b == null) {
                return null;
            }
            if (!wasTried(b)) {
                return b;
            }
        }
        // Random strategies may keep drawing tried ones: take the first untried in order.
        for (Backend b : live) {
            if (!wasTried(b)) {
                return b;
            }
        }
        return null;
    }

    private boolean wasTried(Backend b) {
        for (int i = 0; i < triedCount; i++) {
            if (tried[i] == b) {
                return true;
            }
        }
        return false;
    }

    private void connect(Backend target) {
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, pool.config().connectTimeout().toMillis());
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(front.transport().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR)
                .handler(new BackendInitializer(target, meters, pool.config().idleTimeout()));
        b.connect(target.socketAddress()).addListener((ChannelFuture f) -> {
            if (done || backend != target || upstream != null) {
                // The client left, or this attempt was abandoned, while connecting.
                if (f.isSuccess()) {
                    f.channel().close();
                }
                return;
            }
            if (f.isSuccess()) {
                attach(f.channel(), false);
            } else {
                pool.health().connectionFailed(target, NetErrors.describe(f.cause()));
                attemptFailed(f.cause());
            }
        });
    }

    private void attach(Channel ch, boolean reused) {
        upstream = ch;
        upstreamReused = reused;
        ch.pipeline().get(BackendHandler.class).bind(this, request.method() == HttpMethod.HEAD, !upgrading);
        ch.config().setAutoRead(client.isWritable());
        ch.write(request, ch.voidPromise());
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            bodyForwarded |= c.content().isReadable();
            ch.write(c, ch.voidPromise());
        }
        unsentBytes = 0;
        upstreamUnflushed = false;
        ch.flush();
        if (upstream == ch) {
            // A write that fails closes the channel at once; one still open has
            // handed the head to the kernel, on its way to the backend. (A failure
            // reported during the flush may already have moved this exchange on.)
            headWritten = ch.isActive();
        }
        if (requestComplete) {
            armResponseTimer();
        }
        front.updateClientRead();
    }

    /** A part of the request body from the client. */
    void requestContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (upstream == null) {
            unsent.add(content);
            unsentBytes += content.content().readableBytes();
            if (unsentBytes >= MAX_UNSENT_BYTES) {
                front.updateClientRead();
            }
            return;
        }
        bodyForwarded |= content.content().isReadable();
        upstream.write(content, upstream.voidPromise());
        upstreamUnflushed = true;
        if (requestComplete) {
            armResponseTimer();
        }
        if (!upstream.isWritable()) {
            front.updateClientRead();
        }
    }

    /** Flushes what this read of the client wrote to the backend, if anything. */
    void flushUpstream() {
        if (upstream != null && upstreamUnflushed) {
            upstreamUnflushed = false;
            upstream.flush();
        }
    }

    void flushToClient() {
        client.flush();
    }

    /** A part of the response from the backend. */
    void onResponse(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                onUpstreamClosed(response.decoderResult().cause());
                return;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                // 100 Continue and other interim answers pass through; the real one follows.
                informational = true;
                ForwardedHeaders.removeHopByHop(response.headers());
                response.setProtocolVersion(HttpVersion.HTTP_1_1);
                if (!clientHttp10) {
                    client.write(response, client.voidPromise());
                } else {
                    // HTTP/1.0 has no interim responses (RFC 9110 section 15.2).
                    ReferenceCountUtil.release(response);
                }
                return;
            }
            if (code == 101) {
                switchProtocols(response);
                return;
            }
            startResponse(response, code);
        }
        if (msg instanceof HttpContent) {
            if (informational) {
                // The empty end the codec emits after an interim response closes
                // it for the client's encoder too.
                informational = false;
                if (!clientHttp10) {
                    client.write(msg, client.voidPromise());
                } else {
                    ReferenceCountUtil.release(msg);
                }
                return;
            }
            responseBytes += ((HttpContent) msg).content().readableBytes();
            client.write(msg, client.voidPromise());
        }
        forwarded(msg instanceof LastHttpContent);
    }

    /**
     * A part of the response went to the client: the last one ends the
     * exchange; before it, a client that cannot take more stops the backend's reads.
     */
    private void forwarded(boolean last) {
        if (last) {
            complete();
        } else if (!client.isWritable()) {
            upstream.config().setAutoRead(false);
        }
    }

    /**
     * A response head forwarded as bytes ({@link RawResponseDecoder}), with
     * the body bytes that came with it: the client gets it with this proxy's
     * lines added, head and body in one write.
     */
    void onResponse(RawResponse response) {
        if (done) {
            response.release();
            return;
        }
        responseBegins(response.status);
        upstreamKeepAlive = !response.close;
        ByteBuf head = response.head;
        if (!response.hasRequestId) {
            addLine(head, X_REQUEST_ID_LINE, requestId);
        }
        String cookie = StickySessions.cookie(pool, stickySent, backend);
        if (cookie != null) {
            addLine(head, SET_COOKIE_LINE, cookie);
        }
        if (!keepClient) {
            head.writeBytes(CONNECTION_CLOSE_LINE);
        } else if (clientHttp10) {
            head.writeBytes(CONNECTION_KEEP_ALIVE_LINE);
        }
        head.writeShort(CRLF);
        responseBytes += response.body.readableBytes();
        client.write(response, client.voidPromise());
        forwarded(response.complete);
    }

    /**
     * Appends {@code name} (with its ": ") and {@code value} as a header line.
     * Latin-1, as Netty's encoder writes header values: a client's id goes back byte for byte.
     */
    private static void addLine(ByteBuf head, byte[] name, String value) {
        head.writeBytes(name);
        head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        head.writeShort(CRLF);
    }

    /** More body bytes of a response forwarded as bytes. */
    void onResponseBody(RawBody part) {
        if (done) {
            part.release();
            return;
        }
        responseBytes += part.content().readableBytes();
        client.write(part, client.voidPromise());
        forwarded(part.last);
    }

    /** The final response's head arrived, in either form: the backend answered. */
    private void responseBegins(int code) {
        responseStarted = true;
        pool.health().responded(backend, code);
        cancelResponseTimer();
        status = code;
    }

    private void startResponse(HttpResponse response, int code) {
        responseBegins(code);
        boolean http10 = HttpVersion.HTTP_1_0.equals(response.protocolVersion());
        int tokens = ForwardedHeaders.removeHopByHop(response.headers());
        upstreamKeepAlive = http10 ? (tokens & ForwardedHeaders.KEEP_ALIVE_TOKEN) != 0
                : (tokens & ForwardedHeaders.CLOSE) == 0;
        String cookie = StickySessions.cookie(pool, stickySent, backend);
        if (cookie != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, cookie);
        }
        if (!response.headers().contains(ForwardedHeaders.X_REQUEST_ID)) {
            response.headers().set(ForwardedHeaders.X_REQUEST_ID, requestId);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && !bodiless(code)) {
            boolean chunked = HttpUtil.isTransferEncodingChunked(response);
            if (clientHttp10) {
                // An HTTP/1.0 client cannot read chunks: send the body close-delimited.
                response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                keepClient = false;
            } else if (!chunked) {
                // A body the backend ends by closing: chunked, the client connection can stay.
                response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!keepClient) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        client.write(response, client.voidPromise());
    }

    /**
     * The backend answered 101: if the client asked to upgrade, the response goes
     * to it and both connections become a byte tunnel; an unasked switch is a
     * broken backend (502).
     */
    private void switchProtocols(HttpResponse response) {
        if (!upgrading || !requestComplete) {
            ReferenceCountUtil.release(response);
            Channel ch = upstream;
            upstream = null;
            release();
            ch.pipeline().get(BackendHandler.class).unbind();
            ch.close();
            fail(HttpResponseStatus.BAD_GATEWAY, "The backend switched protocols without being asked to.", null);
            return;
        }
        responseStarted = true;
        done = true;
        status = 101;
        cancelResponseTimer();
        String protocol = response.headers().get(HttpHeaderNames.UPGRADE);
        ForwardedHeaders.removeHopByHop(response.headers());
        if (protocol != null) {
            response.headers().set(HttpHeaderNames.UPGRADE, protocol);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        client.write(response, client.voidPromise());
        client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, client.voidPromise());
        release();
        finished();
        Channel ch = upstream;
        upstream = null;
        ch.pipeline().get(BackendHandler.class).unbind();
        front.exchangeUpgraded(this, ch);
    }

    private void complete() {
        done = true;
        cancelResponseTimer();
        release();
        // Counted before the end is flushed: whoever has seen the response
        // end sees it in the metrics too.
        finished();
        // The end of a response is always flushed: the backend handler that
        // would flush at read-complete is unbound below.
        client.flush();
        Channel ch = upstream;
        upstream = null;
        ch.pipeline().get(BackendHandler.class).release(ch, upstreamKeepAlive && requestComplete && unsent.isEmpty());
        // A response that ended before the request did leaves the client's
        // remaining body unread: the connection cannot carry another request.
        front.exchangeDone(this, keepClient && requestComplete);
    }

    /** The backend connection closed or failed before the response ended. */
    void onUpstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        Channel ch = upstream;
        upstream = null;
        cancelResponseTimer();
        release();
        if (ch != null) {
            ch.pipeline().get(BackendHandler.class).unbind();
            ch.close();
        }
        if (responseStarted) {
            // Part of the response is with the client already: only closing tells it.
            done = true;
            meters.failed();
            pool.health().connectionFailed(backend, "connection lost mid-response: " + NetErrors.describe(cause));
            finished();
            front.exchangeAborted(this);
            return;
        }
        boolean notSent = !headWritten;
        boolean stale = upstreamReused && !staleRetried && !bodyForwarded;
        if (!stale) {
            meters.failed();
            pool.health().connectionFailed(backend, "connection lost before the response: "
                    + NetErrors.describe(cause));
        }
        if (bodyForwarded || upgrading && requestComplete && headWritten) {
            // Body bytes are gone (they are streamed, not kept), and an upgrade may have begun.
            fail(HttpResponseStatus.BAD_GATEWAY, "The backend closed the connection before answering.", null);
            return;
        }
        if (!notSent && !stale && !idempotent) {
            fail(HttpResponseStatus.BAD_GATEWAY, "The backend closed the connection before answering.", null);
            return;
        }
        if (requestComplete && unsent.isEmpty() && !(request instanceof FullHttpRequest)) {
            // The head is kept; re-send the end of an empty body.
            unsent.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        if (stale) {
            // A keep-alive connection the backend had closed while it idled.
            staleRetried = true;
        }
        lastFailureTimedOut = false;
        retryOrFail(stale ? RetryCause.STALE_CONNECTION : notSent ? RetryCause.CONNECT_FAILURE : RetryCause.RESET);
    }

    private void attemptFailed(Throwable cause) {
        release();
        meters.failed();
        lastFailureTimedOut = cause instanceof ConnectTimeoutException;
        retryOrFail(RetryCause.CONNECT_FAILURE);
    }

    private void retryOrFail(RetryCause cause) {
        boolean stale = cause == RetryCause.STALE_CONNECTION;
        if (!(stale && stickyRouted) && triedCount < tried.length && pickableUntried()) {
            attempt(cause);
        } else if (stale && pool.pool().live().contains(backend)) {
            // (A backend drained or down meanwhile gets nothing new, not even this.)
            pool.meters().retried(cause);
            use(backend, true);
        } else {
            unreachable();
        }
    }

    /** Whether the pool still has a live backend this exchange has not tried. */
    private boolean pickableUntried() {
        for (Backend b : pool.pool().live()) {
            if (!wasTried(b)) {
                return true;
            }
        }
        return false;
    }

    private void unreachable() {
        if (lastFailureTimedOut) {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, "The backend did not accept a connection in time.", null);
        } else {
            fail(HttpResponseStatus.BAD_GATEWAY, "No backend of pool '" + pool.name() + "' could be reached.", null);
        }
    }

    private void armResponseTimer() {
        if (responseTimerArmed || responseStarted) {
            return;
        }
        responseTimerArmed = true;
        front.timer().arm(pool.config().responseTimeout().toNanos(), onResponseTimeout);
    }

    private void cancelResponseTimer() {
        if (responseTimerArmed) {
            responseTimerArmed = false;
            front.timer().disarm();
        }
    }

    private void responseTimedOut() {
        responseTimerArmed = false;
        if (done || responseStarted) {
            return;
        }
        Channel ch = upstream;
        upstream = null;
        if (ch != null) {
            ch.pipeline().get(BackendHandler.class).unbind();
            ch.close();
        }
        release();
        meters.failed();
        fail(HttpResponseStatus.GATEWAY_TIMEOUT, "The backend did not answer in time.", null);
    }

    private void fail(HttpResponseStatus code, String message, String retryAfter) {
        done = true;
        cancelResponseTimer();
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            c.release();
        }
        front.exchangeFailed(this, code, message, retryAfter, !(keepClient && requestComplete));
    }

    void clientWritabilityChanged() {
        if (upstream != null) {
            upstream.config().setAutoRead(client.isWritable());
        }
    }

    void upstreamWritabilityChanged() {
        front.updateClientRead();
    }

    /**
     * The client went away: drop everything. The backend connection is kept
     * when the backend has the whole request and has not begun its answer
     * ({@link BackendHandler#drain}); otherwise it closes.
     */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        cancelResponseTimer();
        release();
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            c.release();
        }
        if (upstream != null) {
            BackendHandler handler = upstream.pipeline().get(BackendHandler.class);
            if (requestComplete && headWritten && !responseStarted && upstream.isActive()) {
                // The backend has the whole request: let it answer into the void and
                // keep the connection (as HAProxy does) instead of opening a new one.
                handler.drain();
                upstream.config().setAutoRead(true);
            } else {
                handler.unbind();
                upstream.close();
            }
            upstream = null;
        }
        // 499, nginx's code for it: the client closed the connection before the response ended.
        accessLog.log(front.clientIp(), request.method().name(), request.uri(), CLIENT_CLOSED, backendId(),
                responseBytes, System.nanoTime() - startNanos, requestId);
    }

    /** Records the response the backend gave (whole or cut short) in the meters and the access log. */
    private void finished() {
        long nanos = System.nanoTime() - startNanos;
        meters.requests(listenerIndex).record(status, nanos);
        accessLog.log(front.clientIp(), request.method().name(), request.uri(), status, backend.id(),
                responseBytes, nanos, requestId);
    }

    /** Ends this exchange's count on its backend, once. */
    private void release() {
        if (counted) {
            counted = false;
            backend.requestEnded();
        }
    }

    /** Whether the response to this request can have no body, whatever its headers say. */
    private boolean bodiless(int code) {
        return code == 204 || code == 304 || (code >= 100 && code < 200) || request.method() == HttpMethod.HEAD;
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }
}
