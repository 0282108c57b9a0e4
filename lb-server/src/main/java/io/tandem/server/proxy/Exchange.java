package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.limit.ClientLimiter;
import io.tandem.core.pool.Backend;
import io.tandem.core.retry.AttemptFailure;
import io.tandem.core.retry.FailedAttempt;
import io.tandem.core.retry.RetryDecision;
import io.tandem.core.retry.RetryRule;
import io.tandem.server.NetErrors;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.metrics.RetryCause;
import io.tandem.server.proxy.ExchangeRecord.Ending;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, from the request head to the response end:
 * the lifecycle and little else. It asks {@link BackendChoice} where to go,
 * takes or opens a connection there through its client's {@link BackendConnector},
 * has {@link UpstreamRequest} send the request on it and {@link DownstreamResponse}
 * write the response to the client, asks {@link RetryRule} what a failed
 * attempt leads to, and ends in {@link #finish}, the one place that counts it
 * and writes its access-log line (through {@link ExchangeRecord}, which keeps
 * its timings). The pool's response timeout is a {@link ResponseDeadline} on
 * the client connection's timer. An upgrade the backend accepts with 101 is
 * handed to the client connection, which makes both connections a byte {@link Tunnel}.
 *
 * <p>Confined to the client channel's event loop: no field needs a lock.
 */
final class Exchange implements Dispatcher.Job, ResponseListener {

    /** The access log's status for a request whose client left before the response ended. */
    static final int CLIENT_CLOSED = 499;

    private enum Phase { ATTEMPTING, RESPONDING, ENDED }

    private final ClientConnection client;
    private final Channel clientChannel;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final BackendChoice choice;
    private final UpstreamRequest upstream;
    private final DownstreamResponse downstream;
    private final boolean upgrading;
    private final String requestId;
    /** Whether the backend's answers count toward passive health (not for the warm standby's requests). */
    private final boolean answersCounted;
    /** Its timings and counts, written by {@link #finish}. */
    private final ExchangeRecord record;
    private final ResponseDeadline deadline;
    private Phase phase = Phase.ATTEMPTING;

    private Backend backend;
    /** The meters of {@link #backend}, resolved once per attempt. */
    private BackendMeters meters;
    /** True while {@link #backend} counts this exchange among its in-flight requests. */
    private boolean counted;
    private boolean staleRetried;
    private int status;
    /** The slot of its client's in-flight cap this exchange holds until {@link #finish}; null for none. */
    private ClientLimiter.Client heldSlot;
    /** The cache's part in this exchange, on a cached route; null elsewhere. */
    private final CacheFront cache;
    /** The cache holds the response back (ESI): its parts go to the cache, not to the client. */
    private boolean intercepted;

    /** {@code choice}, {@code upstream} and {@code downstream}, the client connection's, are begun here. */
    Exchange(ClientConnection client, HttpRequest request, Route route, Routing routing, BackendChoice choice,
             UpstreamRequest upstream, DownstreamResponse downstream, boolean clientKeepAlive, boolean clientHttp10,
             boolean upgrading, String requestId, ClientLimiter.Client heldSlot) {
        this.heldSlot = heldSlot;
        this.client = client;
        this.clientChannel = client.channel();
        this.request = request;
        this.pool = route.pool();
        this.choice = choice;
        this.upstream = upstream;
        this.downstream = downstream;
        this.upgrading = upgrading;
        this.requestId = requestId;
        this.record = new ExchangeRecord(client, request, pool, routing, requestId);
        this.answersCounted = !routing.warmUp();
        this.deadline = new ResponseDeadline(client.timer(), pool.settings().responseTimeoutNanos(),
                this::responseTimedOut);
        choice.begin(this.pool, client.requestContext());
        this.cache = route.cache() == null ? null : new CacheFront(route.cache(), this, client, request, pool);
        // Response header edits and the cache need the head as an object, and so do HTTP/2 streams: such
        // responses take the object path.
        upstream.begin(request, upgrading, route.responseEdits().isEmpty() && cache == null && client.rawResponses());
        downstream.begin(clientKeepAlive, clientHttp10, client.https() ? routing.hsts() : null,
                route.responseEdits(), client.requestValues());
    }

    boolean responseStarted() {
        return phase == Phase.RESPONDING;
    }

    @Override
    public boolean ended() {
        return phase == Phase.ENDED;
    }

    @Override
    public void start() {
        if (cache == null || cache.start()) {
            attempt(null, null);
        }
    }

    /** The cache let this exchange go to the backend after all (a wait ended, a revalidation failed). */
    void toBackend() {
        if (phase == Phase.ATTEMPTING && choice.tried() == 0) {
            attempt(null, null);
        }
    }

    /**
     * The cache answered ({@code response}: a {@link RawResponse} or a full
     * response): it is counted and logged like Tandem's own answers, and the
     * connection goes on when {@code keep}.
     */
    void answerFromCache(Object response, int code, long bytes, boolean keep) {
        upstream.dropUnsent();
        clientChannel.writeAndFlush(response, clientChannel.voidPromise());
        cacheAnswerEnded(code, bytes, keep, false);
    }

    /**
     * The cache's answer (written by it, maybe over time: an ESI page) ended:
     * counted and logged; the connection goes on when {@code keep}, or is cut
     * ({@code cut}: an answer that could not be completed).
     */
    void cacheAnswerEnded(int code, long bytes, boolean keep, boolean cut) {
        phase = Phase.ENDED;
        finish(code, bytes, Ending.LOCAL_ANSWER);
        if (cut) {
            client.exchangeCut();
        } else {
            client.exchangeDone(keep);
        }
    }

    /** The client connection may carry another request after this answer. */
    boolean keepClient() {
        return downstream.keepClient() && !client.draining();
    }

    boolean clientHttp10() {
        return record.protocol().equals("HTTP/1.0");
    }

    String requestId() {
        return requestId;
    }

    String hsts() {
        return downstream.hsts();
    }

    /** Sends the request to the next backend; {@code retry} says why this is not the first try. */
    private void attempt(AttemptFailure last, RetryCause retry) {
        Backend next = choice.next();
        if (next == null) {
            if (choice.tried() == 0) {
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, ErrorResponses.noBackendUp(pool.name()), "1");
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
        record.attemptBegins();
        upstream.attemptBegins();
        // A connection that starts with a client's PROXY header is that client's alone.
        PrivateConnections own = pool.settings().proxyProtocol() == null ? null : client.privateConnections();
        BackendConnection idle = fresh ? null : own == null ? client.connector().pooled(next) : pooled(own, next);
        if (idle != null) {
            attach(idle, true);
        } else {
            client.connector().open(next, pool.settings(), meters, clientChannel.eventLoop(), own)
                    .addListener((ChannelFuture f) -> connected(f, next));
        }
    }

    private static BackendConnection pooled(PrivateConnections own, Backend backend) {
        Channel ch = own.poll(backend);
        return ch == null ? null : BackendConnection.of(ch);
    }

    private void connected(ChannelFuture f, Backend target) {
        if (phase == Phase.ENDED || backend != target || upstream.connection() != null) {
            // The client left, or this attempt was abandoned, while connecting.
            if (f.isSuccess()) {
                f.channel().close();
            }
        } else if (f.isSuccess()) {
            attach(BackendConnection.of(f.channel()), false);
        } else {
            pool.health().connectionFailed(target, NetErrors.describe(f.cause()));
            // A TLS handshake that timed out is a connect timeout: the pool's connect timeout bounds both.
            attemptFailed(NetErrors.isTimeout(f.cause()) ? AttemptFailure.CONNECT_TIMEOUT
                    : AttemptFailure.CONNECT_FAILED, f.cause());
        }
    }

    /** The attempt has its connection: the request goes out and its response comes here. */
    private void attach(BackendConnection connection, boolean reused) {
        record.connected(reused);
        upstream.attach(connection, reused, this, clientChannel.isWritable());
        if (upstream.complete()) {
            armResponseTimer();
        }
        client.updateRead();
    }

    /** A part of the request body from the client. */
    void requestContent(HttpContent content) {
        record.requestBytes(content.content().readableBytes());
        if (phase == Phase.ENDED) {
            content.release();
            return;
        }
        if (upstream.content(content) && upstream.complete()) {
            armResponseTimer();
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
                downstream.interim(response);
                return;
            }
            if (code == 101) {
                switchProtocols(response);
                return;
            }
            responseBegins(code);
            if (cache != null && cache.responseHead(response)) {
                intercepted = true;
            } else {
                downstream.head(response, requestId, choice.stickyCookie(backend),
                        ResponseHead.bodiless(code, request.method()));
            }
        }
        if (cache != null && msg instanceof HttpContent && phase == Phase.RESPONDING) {
            // Copied before it is written: the write hands the buffer on.
            cache.responseContent((HttpContent) msg);
        }
        if (intercepted) {
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                complete();
            } else {
                deadline.awaitMore();
            }
            return;
        }
        if (msg instanceof HttpContent && !downstream.body((HttpContent) msg)) {
            return;
        }
        forwarded(msg instanceof LastHttpContent);
    }

    /** A response head forwarded as bytes, completed here; head and first body bytes go in one write. */
    @Override
    public void response(RawResponse response) {
        if (phase == Phase.ENDED) {
            response.release();
            return;
        }
        responseBegins(response.status);
        downstream.head(response, requestId, choice.stickyCookie(backend));
        forwarded(response.complete);
    }

    @Override
    public void responseBody(RawBody part) {
        if (phase == Phase.ENDED) {
            part.release();
            return;
        }
        downstream.body(part);
        forwarded(part.last);
    }

    /**
     * A part of the response went to the client: the last one ends the
     * exchange; before it, a client that cannot take more stops the backend's
     * reads, and otherwise the backend has the response timeout for its next
     * bytes (as nginx's {@code proxy_read_timeout}: a backend that stalls
     * mid-response does not hold the client forever).
     */
    private void forwarded(boolean last) {
        if (last) {
            complete();
        } else if (!clientChannel.isWritable()) {
            upstream.connection().channel().config().setAutoRead(false);
            deadline.cancel();
        } else {
            deadline.awaitMore();
        }
    }

    /** The final response's head arrived, in either form: the backend answered. */
    private void responseBegins(int code) {
        record.firstByte();
        phase = Phase.RESPONDING;
        if (answersCounted) {
            pool.health().responded(backend, code);
        }
        deadline.cancel();
        status = code;
    }

    /**
     * The backend answered 101: if the client asked to upgrade, the response goes
     * to it and both connections become a byte tunnel; an unasked switch is a
     * broken backend (502).
     */
    private void switchProtocols(HttpResponse response) {
        BackendConnection connection = upstream.detach();
        release();
        connection.unbind();
        if (!upgrading || !upstream.complete()) {
            ReferenceCountUtil.release(response);
            connection.channel().close();
            fail(HttpResponseStatus.BAD_GATEWAY, ErrorResponses.UNASKED_SWITCH, null);
            return;
        }
        phase = Phase.ENDED;
        status = 101;
        deadline.cancel();
        downstream.switched(response);
        finish(101, downstream.bytes(), Ending.ANSWERED);
        client.exchangeUpgraded(connection);
    }

    private void complete() {
        phase = Phase.ENDED;
        deadline.cancel();
        release();
        if (cache != null) {
            cache.completed();
        }
        if (intercepted) {
            // The cache answers now; a client that leaves meanwhile is one that left mid-response.
            phase = Phase.RESPONDING;
            BackendConnection held = upstream.detach();
            held.release(cache.backendKeepAlive() && upstream.complete() && upstream.allSent());
            cache.deliver();
            return;
        }
        // Counted before the end is flushed: whoever has seen the response
        // end sees it in the metrics too.
        finish(status, downstream.bytes(), Ending.ANSWERED);
        // The end of a response is always flushed: the backend handler that
        // would flush at read-complete is unbound below.
        clientChannel.flush();
        BackendConnection connection = upstream.detach();
        connection.release(downstream.backendKeepAlive() && upstream.complete() && upstream.allSent());
        // A response that ended before the request did leaves the client's
        // remaining body unread: the connection cannot carry another request.
        client.exchangeDone(downstream.keepClient() && upstream.complete());
    }

    @Override
    public void backendClosed(Throwable cause) {
        if (phase != Phase.ENDED) {
            attemptFailed(phase == Phase.RESPONDING ? AttemptFailure.CLOSED_MID_RESPONSE
                    : AttemptFailure.CLOSED_BEFORE_RESPONSE, cause);
        }
    }

    private void responseTimedOut() {
        if (phase == Phase.ATTEMPTING) {
            attemptFailed(AttemptFailure.RESPONSE_TIMEOUT, null);
        } else if (phase == Phase.RESPONDING) {
            attemptFailed(AttemptFailure.STALLED_MID_RESPONSE, null);
        }
    }

    /**
     * An attempt failed: the connection goes, the backend's count and health
     * learn of it, and {@link RetryRule} says whether the request goes again.
     */
    private void attemptFailed(AttemptFailure failure, Throwable cause) {
        deadline.cancel();
        release();
        upstream.closeConnection();
        boolean headWritten = upstream.headWritten();
        FailedAttempt facts = new FailedAttempt(failure, headWritten, upstream.reused(), staleRetried,
                upstream.bodySent(), upstream.idempotent(), upgrading && upstream.complete() && headWritten,
                choice.stickyRouted(), choice.tried(), pool.settings().retries(), choice.untriedLive(),
                choice.live(backend));
        boolean stale = facts.staleConnection();
        if (!stale) {
            meters.failed();
            if (failure == AttemptFailure.CLOSED_BEFORE_RESPONSE || failure == AttemptFailure.CLOSED_MID_RESPONSE) {
                pool.health().connectionFailed(backend, (failure == AttemptFailure.CLOSED_MID_RESPONSE
                        ? "connection lost mid-response: " : "connection lost before the response: ")
                        + NetErrors.describe(cause));
            } else if (failure == AttemptFailure.STALLED_MID_RESPONSE) {
                pool.health().connectionFailed(backend, "response stalled: nothing more within "
                        + TimeUnit.NANOSECONDS.toMillis(pool.settings().responseTimeoutNanos()) + "ms");
            }
        }
        staleRetried |= stale;
        RetryDecision decision = RetryRule.decide(facts);
        if (decision.retries()) {
            upstream.prepareResend();
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
                finish(status, downstream.bytes(), Ending.ANSWERED);
                client.exchangeCut();
            }
            default -> fail(decision);
        }
    }

    private void fail(RetryDecision decision) {
        fail(ErrorResponses.status(decision), ErrorResponses.message(decision, pool.name()), null);
    }

    /** Tandem answers the request itself: 502, 503 or 504 (DESIGN.md, "Errors users see"). */
    private void fail(HttpResponseStatus code, String message, String retryAfter) {
        phase = Phase.ENDED;
        deadline.cancel();
        upstream.dropUnsent();
        boolean close = !(downstream.keepClient() && upstream.complete()) || client.draining();
        FullHttpResponse answer = ErrorResponses.response(code, message, close, retryAfter, requestId,
                pool.settings().errorPages().get(code.code()));
        if (downstream.hsts() != null) {
            answer.headers().set(ResponseHead.STRICT_TRANSPORT_SECURITY, downstream.hsts());
        }
        finish(code.code(), answer.content().readableBytes(), Ending.LOCAL_ANSWER);
        client.exchangeAnswered(answer, close);
    }

    private void armResponseTimer() {
        if (phase == Phase.ATTEMPTING) {
            deadline.awaitAnswer();
        }
    }

    void clientWritabilityChanged() {
        if (upstream.connection() != null) {
            boolean writable = clientChannel.isWritable();
            upstream.connection().channel().config().setAutoRead(writable);
            if (phase == Phase.RESPONDING) {
                // While the client cannot take more, the wait is the client's, not the backend's.
                if (writable) {
                    deadline.awaitMore();
                } else {
                    deadline.cancel();
                }
            }
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
        abort(false);
    }

    /** {@link #abort()}; with {@code reset} (an HTTP/2 stream reset) the backend connection always closes. */
    void abort(boolean reset) {
        if (phase == Phase.ENDED) {
            return;
        }
        boolean answering = phase == Phase.RESPONDING;
        phase = Phase.ENDED;
        deadline.cancel();
        release();
        upstream.dropUnsent();
        upstream.abandon(answering || reset);
        // 499, nginx's code for it: the client closed the connection before the response ended.
        finish(CLIENT_CLOSED, downstream.bytes(), Ending.CLIENT_LEFT);
    }

    /**
     * The one end of every exchange: counts it where {@code how} says and
     * writes its access-log line. {@code bytes}: the response body bytes the client got.
     */
    private void finish(int code, long bytes, Ending how) {
        if (cache != null) {
            cache.ended();
        }
        if (heldSlot != null) {
            heldSlot.release();
            heldSlot = null;
        }
        record.write(code, bytes, how, backend, meters, cache == null ? null : cache.outcome());
    }

    /** Ends this exchange's count on its backend, once. */
    private void release() {
        if (counted) {
            counted = false;
            backend.requestEnded();
        }
    }
}
