package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.pool.Backend;
import io.tandem.core.retry.AttemptFailure;
import io.tandem.core.retry.FailedAttempt;
import io.tandem.core.retry.RetryDecision;
import io.tandem.core.retry.RetryRule;
import io.tandem.server.NetErrors;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.metrics.RetryCause;
import java.util.ArrayDeque;

/**
 * One request and its response, from the request head to the response end:
 * the lifecycle and little else. It asks {@link BackendChoice} where to go,
 * takes or opens a connection there through its client's {@link BackendConnector},
 * streams both bodies with backpressure, has {@link ResponseHead} edit the
 * response head, asks {@link RetryRule} what a failed attempt leads to, and
 * ends in {@link #finish}, the one place that counts it and writes its
 * access-log line. An upgrade the backend accepts with 101 is handed to the
 * client connection, which makes both connections a byte {@link Tunnel}.
 *
 * <p>Confined to the client channel's event loop: no field needs a lock.
 */
final class Exchange implements Dispatcher.Job, ResponseListener {

    /** Request body held while the backend connection is being made; reading the client stops beyond it. */
    static final int MAX_UNSENT_BYTES = 64 * 1024;

    /** The access log's status for a request whose client left before the response ended. */
    static final int CLIENT_CLOSED = 499;

    private enum Phase { ATTEMPTING, RESPONDING, ENDED }

    /** How an exchange ended, for {@link #finish}: which meter counts it. */
    private enum Ending { ANSWERED, LOCAL_ANSWER, CLIENT_LEFT }

    private final ClientConnection client;
    private final Channel clientChannel;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final int listenerIndex;
    private final AccessLog accessLog;
    private final BackendChoice choice;
    private final boolean clientHttp10;
    private final boolean upgrading;
    private final boolean idempotent;
    private final String requestId;
    private final long startNanos = System.nanoTime();
    /** Request body parts received before a backend connection was ready. */
    private final ArrayDeque<HttpContent> unsent = new ArrayDeque<>(4);
    private final Runnable onResponseTimeout = this::responseTimedOut;
    private int unsentBytes;
    private Phase phase = Phase.ATTEMPTING;

    private Backend backend;
    /** The meters of {@link #backend}, resolved once per attempt. */
    private BackendMeters meters;
    /** True while {@link #backend} counts this exchange among its in-flight requests. */
    private boolean counted;
    private BackendConnection upstream;
    private boolean upstreamReused;
    /** Request bytes were written to {@link #upstream} since its last flush. */
    private boolean upstreamUnflushed;
    /** The request head was handed to the backend's socket. */
    private boolean headWritten;
    private boolean staleRetried;
    private boolean requestComplete;
    private boolean bodyForwarded;
    private boolean informational;
    private boolean upstreamKeepAlive;
    private boolean keepClient;
    private int status;
    /** Response body bytes written to the client. */
    private long responseBytes;
    /** The response timeout runs on the client connection's timer while this is set. */
    private boolean responseTimerArmed;

    /** {@code choice} is begun here, for this request. */
    Exchange(ClientConnection client, HttpRequest request, PoolRuntime pool, Routing routing, BackendChoice choice,
             boolean clientKeepAlive, boolean clientHttp10, boolean upgrading, String requestId) {
        this.client = client;
        this.clientChannel = client.channel();
        this.request = request;
        this.pool = pool;
        this.listenerIndex = routing.listenerIndex();
        this.accessLog = routing.accessLog();
        this.choice = choice;
        this.keepClient = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.upgrading = upgrading;
        this.requestId = requestId;
        this.idempotent = isIdempotent(request.method());
        this.requestComplete = request instanceof FullHttpRequest;
        choice.begin(pool, client.requestContext());
    }

    boolean requestComplete() {
        return requestComplete;
    }

    boolean responseStarted() {
        return phase == Phase.RESPONDING;
    }

    /** Whether the client connection may be read now for this exchange's sake. */
    boolean wantsRequestBytes() {
        if (requestComplete) {
            // After an upgrade request the next bytes may be another protocol:
            // they wait in the socket until the backend's answer says which.
            return !upgrading;
        }
        // While connecting, a little of the body may wait here; beyond that the client waits.
        return upstream != null ? upstream.channel().isWritable() : unsentBytes < MAX_UNSENT_BYTES;
    }

    @Override
    public boolean ended() {
        return phase == Phase.ENDED;
    }

    @Override
    public void start() {
        attempt(null, null);
    }

    /** Sends the request to the next backend; {@code retry} says why this is not the first try. */
    private void attempt(AttemptFailure last, RetryCause retry) {
        Backend next = choice.next();
        if (next == null) {
            if (choice.tried() == 0) {
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "No backend of pool '" + pool.name() + "' is up.", "1");
            } else {
                fail(RetryRule.exhausted(last));
            }
            return;
        }
        if (retry != null) {
            pool.meters().retried(retry);
        }
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
        BackendConnection idle = fresh ? null : client.connector().pooled(next);
        if (idle != null) {
            attach(idle, true);
        } else {
            client.connector().open(next, pool.settings(), meters, clientChannel.eventLoop())
                    .addListener((ChannelFuture f) -> connected(f, next));
        }
    }

    private void connected(ChannelFuture f, Backend target) {
        if (phase == Phase.ENDED || backend != target || upstream != null) {
            // The client left, or this attempt was abandoned, while connecting.
            if (f.isSuccess()) {
                f.channel().close();
            }
        } else if (f.isSuccess()) {
            attach(BackendConnection.of(f.channel()), false);
        } else {
            pool.health().connectionFailed(target, NetErrors.describe(f.cause()));
            attemptFailed(f.cause() instanceof ConnectTimeoutException ? AttemptFailure.CONNECT_TIMEOUT
                    : AttemptFailure.CONNECT_FAILED, f.cause());
        }
    }

    private void attach(BackendConnection connection, boolean reused) {
        upstream = connection;
        upstreamReused = reused;
        Channel ch = connection.channel();
        connection.bind(this, request.method() == HttpMethod.HEAD, !upgrading);
        ch.config().setAutoRead(clientChannel.isWritable());
        ch.write(request, ch.voidPromise());
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            bodyForwarded |= c.content().isReadable();
            ch.write(c, ch.voidPromise());
        }
        unsentBytes = 0;
        upstreamUnflushed = false;
        ch.flush();
        if (upstream == connection) {
            // A write that fails closes the channel at once; one still open has
            // handed the head to the kernel, on its way to the backend. (A failure
            // reported during the flush may already have moved this exchange on.)
            headWritten = ch.isActive();
        }
        if (requestComplete) {
            armResponseTimer();
        }
        client.updateRead();
    }

    /** A part of the request body from the client. */
    void requestContent(HttpContent content) {
        if (phase == Phase.ENDED) {
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
                client.updateRead();
            }
            return;
        }
        Channel ch = upstream.channel();
        bodyForwarded |= content.content().isReadable();
        ch.write(content, ch.voidPromise());
        upstreamUnflushed = true;
        if (requestComplete) {
            armResponseTimer();
        }
        if (!ch.isWritable()) {
            client.updateRead();
        }
    }

    /** Flushes what this read of the client wrote to the backend, if anything. */
    void flushUpstream() {
        if (upstream != null && upstreamUnflushed) {
            upstreamUnflushed = false;
            upstream.channel().flush();
        }
    }

    @Override
    public void readComplete() {
        clientChannel.flush();
    }

    @Override
    public void response(HttpObject msg) {
        if (phase == Phase.ENDED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                backendClosed(response.decoderResult().cause());
                return;
            }
            int code = response.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                // 100 Continue and other interim answers pass through; the real one follows.
                informational = true;
                ResponseHead.editInterim(response);
                toClientUnlessHttp10(response);
                return;
            }
            if (code == 101) {
                switchProtocols(response);
                return;
            }
            responseBegins(code);
            int framing = ResponseHead.edit(response, requestId, choice.stickyCookie(backend), keepClient,
                    clientHttp10, bodiless(code));
            upstreamKeepAlive = (framing & ResponseHead.BACKEND_KEEP_ALIVE) != 0;
            keepClient &= (framing & ResponseHead.CLIENT_CLOSE_DELIMITED) == 0;
            clientChannel.write(response, clientChannel.voidPromise());
        }
        if (msg instanceof HttpContent) {
            if (informational) {
                // The empty end the codec emits after an interim response closes
                // it for the client's encoder too.
                informational = false;
                toClientUnlessHttp10(msg);
                return;
            }
            responseBytes += ((HttpContent) msg).content().readableBytes();
            clientChannel.write(msg, clientChannel.voidPromise());
        }
        forwarded(msg instanceof LastHttpContent);
    }

    /** An interim response goes to the client, but not to an HTTP/1.0 one (RFC 9110 section 15.2). */
    private void toClientUnlessHttp10(HttpObject msg) {
        if (!clientHttp10) {
            clientChannel.write(msg, clientChannel.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A response head forwarded as bytes, completed here; head and first body bytes go in one write. */
    @Override
    public void response(RawResponse response) {
        if (phase == Phase.ENDED) {
            response.release();
            return;
        }
        responseBegins(response.status);
        upstreamKeepAlive = !response.close;
        ResponseHead.edit(response, requestId, choice.stickyCookie(backend), keepClient, clientHttp10);
        responseBytes += response.body.readableBytes();
        clientChannel.write(response, clientChannel.voidPromise());
        forwarded(response.complete);
    }

    @Override
    public void responseBody(RawBody part) {
        if (phase == Phase.ENDED) {
            part.release();
            return;
        }
        responseBytes += part.content().readableBytes();
        clientChannel.write(part, clientChannel.voidPromise());
        forwarded(part.last);
    }

    /**
     * A part of the response went to the client: the last one ends the
     * exchange; before it, a client that cannot take more stops the backend's reads.
     */
    private void forwarded(boolean last) {
        if (last) {
            complete();
        } else if (!clientChannel.isWritable()) {
            upstream.channel().config().setAutoRead(false);
        }
    }

    /** The final response's head arrived, in either form: the backend answered. */
    private void responseBegins(int code) {
        phase = Phase.RESPONDING;
        pool.health().responded(backend, code);
        cancelResponseTimer();
        status = code;
    }

    /**
     * The backend answered 101: if the client asked to upgrade, the response goes
     * to it and both connections become a byte tunnel; an unasked switch is a
     * broken backend (502).
     */
    private void switchProtocols(HttpResponse response) {
        BackendConnection connection = upstream;
        upstream = null;
        release();
        connection.unbind();
        if (!upgrading || !requestComplete) {
            ReferenceCountUtil.release(response);
            connection.channel().close();
            fail(HttpResponseStatus.BAD_GATEWAY, "The backend switched protocols without being asked to.", null);
            return;
        }
        phase = Phase.ENDED;
        status = 101;
        cancelResponseTimer();
        ResponseHead.editSwitch(response);
        clientChannel.write(response, clientChannel.voidPromise());
        clientChannel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, clientChannel.voidPromise());
        finish(101, responseBytes, Ending.ANSWERED);
        client.exchangeUpgraded(connection);
    }

    private void complete() {
        phase = Phase.ENDED;
        cancelResponseTimer();
        release();
        // Counted before the end is flushed: whoever has seen the response
        // end sees it in the metrics too.
        finish(status, responseBytes, Ending.ANSWERED);
        // The end of a response is always flushed: the backend handler that
        // would flush at read-complete is unbound below.
        clientChannel.flush();
        BackendConnection connection = upstream;
        upstream = null;
        connection.release(upstreamKeepAlive && requestComplete && unsent.isEmpty());
        // A response that ended before the request did leaves the client's
        // remaining body unread: the connection cannot carry another request.
        client.exchangeDone(keepClient && requestComplete);
    }

    @Override
    public void backendClosed(Throwable cause) {
        if (phase != Phase.ENDED) {
            attemptFailed(phase == Phase.RESPONDING ? AttemptFailure.CLOSED_MID_RESPONSE
                    : AttemptFailure.CLOSED_BEFORE_RESPONSE, cause);
        }
    }

    private void responseTimedOut() {
        responseTimerArmed = false;
        if (phase == Phase.ATTEMPTING) {
            attemptFailed(AttemptFailure.RESPONSE_TIMEOUT, null);
        }
    }

    /**
     * An attempt failed: the connection goes, the backend's count and health
     * learn of it, and {@link RetryRule} says whether the request goes again.
     */
    private void attemptFailed(AttemptFailure failure, Throwable cause) {
        BackendConnection connection = upstream;
        upstream = null;
        cancelResponseTimer();
        release();
        if (connection != null) {
            connection.unbind();
            connection.channel().close();
        }
        FailedAttempt facts = new FailedAttempt(failure, headWritten, upstreamReused, staleRetried, bodyForwarded,
                idempotent, upgrading && requestComplete && headWritten, choice.stickyRouted(), choice.tried(),
                pool.settings().retries(), choice.untriedLive(), choice.live(backend));
        boolean stale = facts.staleConnection();
        if (!stale) {
            meters.failed();
            if (failure == AttemptFailure.CLOSED_BEFORE_RESPONSE || failure == AttemptFailure.CLOSED_MID_RESPONSE) {
                pool.health().connectionFailed(backend, (failure == AttemptFailure.CLOSED_MID_RESPONSE
                        ? "connection lost mid-response: " : "connection lost before the response: ")
                        + NetErrors.describe(cause));
            }
        }
        staleRetried |= stale;
        RetryDecision decision = RetryRule.decide(facts);
        if (decision.retries() && requestComplete && unsent.isEmpty() && !(request instanceof FullHttpRequest)) {
            // The head is kept; re-send the end of an empty body.
            unsent.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        RetryCause retry = stale ? RetryCause.STALE_CONNECTION
                : failure == AttemptFailure.CLOSED_BEFORE_RESPONSE && headWritten ? RetryCause.RESET
                : RetryCause.CONNECT_FAILURE;
        switch (decision) {
            case ANOTHER_BACKEND -> attempt(failure, retry);
            case SAME_BACKEND_NEW_CONNECTION -> {
                // (A backend drained or down meanwhile gets nothing new, not even this: see RetryRule.)
                pool.meters().retried(retry);
                use(backend, true);
            }
            case CLOSE_CLIENT -> {
                phase = Phase.ENDED;
                finish(status, responseBytes, Ending.ANSWERED);
                client.exchangeCut();
            }
            default -> fail(decision);
        }
    }

    private void fail(RetryDecision decision) {
        switch (decision) {
            case GATEWAY_TIMEOUT_CONNECT -> fail(HttpResponseStatus.GATEWAY_TIMEOUT,
                    "The backend did not accept a connection in time.", null);
            case GATEWAY_TIMEOUT_RESPONSE -> fail(HttpResponseStatus.GATEWAY_TIMEOUT,
                    "The backend did not answer in time.", null);
            case BAD_GATEWAY_CLOSED -> fail(HttpResponseStatus.BAD_GATEWAY,
                    "The backend closed the connection before answering.", null);
            default -> fail(HttpResponseStatus.BAD_GATEWAY,
                    "No backend of pool '" + pool.name() + "' could be reached.", null);
        }
    }

    /** Tandem answers the request itself: 502, 503 or 504 (DESIGN.md, "Errors users see"). */
    private void fail(HttpResponseStatus code, String message, String retryAfter) {
        phase = Phase.ENDED;
        cancelResponseTimer();
        releaseUnsent();
        boolean close = !(keepClient && requestComplete) || client.draining();
        FullHttpResponse answer = ErrorResponses.response(code, message, close, retryAfter, requestId);
        finish(code.code(), answer.content().readableBytes(), Ending.LOCAL_ANSWER);
        client.exchangeAnswered(answer, close);
    }

    private void armResponseTimer() {
        if (responseTimerArmed || phase != Phase.ATTEMPTING) {
            return;
        }
        responseTimerArmed = true;
        client.timer().arm(pool.settings().responseTimeoutNanos(), onResponseTimeout);
    }

    private void cancelResponseTimer() {
        if (responseTimerArmed) {
            responseTimerArmed = false;
            client.timer().disarm();
        }
    }

    void clientWritabilityChanged() {
        if (upstream != null) {
            upstream.channel().config().setAutoRead(clientChannel.isWritable());
        }
    }

    @Override
    public void backendWritabilityChanged() {
        client.updateRead();
    }

    /**
     * The client went away: drop everything. The backend connection is kept
     * when the backend has the whole request and has not begun its answer
     * ({@link BackendConnection#drain}); otherwise it closes.
     */
    void abort() {
        if (phase == Phase.ENDED) {
            return;
        }
        boolean answering = phase == Phase.RESPONDING;
        phase = Phase.ENDED;
        cancelResponseTimer();
        release();
        releaseUnsent();
        if (upstream != null) {
            Channel ch = upstream.channel();
            if (requestComplete && headWritten && !answering && ch.isActive()) {
                // The backend has the whole request: let it answer into the void and
                // keep the connection (as HAProxy does) instead of opening a new one.
                upstream.drain();
                ch.config().setAutoRead(true);
            } else {
                upstream.unbind();
                ch.close();
            }
            upstream = null;
        }
        // 499, nginx's code for it: the client closed the connection before the response ended.
        finish(CLIENT_CLOSED, responseBytes, Ending.CLIENT_LEFT);
    }

    /**
     * The one end of every exchange: counts it where {@code how} says and
     * writes its access-log line. {@code bytes}: the response body bytes the client got.
     */
    private void finish(int code, long bytes, Ending how) {
        long nanos = System.nanoTime() - startNanos;
        if (how == Ending.ANSWERED) {
            meters.requests(listenerIndex).record(code, nanos);
        } else if (how == Ending.LOCAL_ANSWER) {
            pool.meters().localAnswer(listenerIndex, code);
        }
        accessLog.log(client.clientIp(), request.method().name(), request.uri(), code,
                backend == null ? null : backend.id(), bytes, nanos, requestId);
    }

    /** Ends this exchange's count on its backend, once. */
    private void release() {
        if (counted) {
            counted = false;
            backend.requestEnded();
        }
    }

    private void releaseUnsent() {
        HttpContent c;
        while ((c = unsent.poll()) != null) {
            c.release();
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
