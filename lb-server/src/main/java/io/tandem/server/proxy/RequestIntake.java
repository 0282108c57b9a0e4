package io.tandem.server.proxy;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.limit.ClientLimiter;

/**
 * What becomes of a well-formed request head on a client connection: refused
 * when it cannot be proxied (a version other than 1.0 and 1.1, or HTTP/1.x on
 * a listener that serves only HTTP/2: 505; {@code CONNECT}: 405; HTTP/1.1
 * without {@code Host}: 400), routed on the listener's current
 * {@link Routing}, made the backend's head ({@link ClientRequest#forward}),
 * let in or refused by {@link Admission}, answered by its route (a redirect
 * or a fixed response), or made the {@link Exchange} that takes it to a
 * backend. Every answer given here goes through {@link LocalAnswers}.
 *
 * <p>One per client connection (or HTTP/2 stream); confined to its event loop.
 */
final class RequestIntake {

    private final ListenerRuntime listener;
    private final ClientConnection client;
    /** An HTTP/2 stream's intake, whatever the listener allows of HTTP/1.x. */
    private final boolean stream;
    private final ClientPeer peer;
    private final ClientRequest request;
    private final Admission admission;
    private final LocalAnswers answers;
    // Begun again by each exchange: the connection's, so that a request costs no allocation for them.
    private final BackendChoice choice;
    private final UpstreamRequest upstream;
    private final DownstreamResponse downstream;
    /** The last request answered here leaves the connection unable to carry another. */
    private boolean closes;

    RequestIntake(ListenerRuntime listener, ClientConnection client, boolean stream, ClientPeer peer,
                  ClientRequest request, BackendChoice choice, UpstreamRequest upstream,
                  DownstreamResponse downstream) {
        this.listener = listener;
        this.client = client;
        this.stream = stream;
        this.peer = peer;
        this.request = request;
        this.admission = new Admission(listener.meters());
        this.answers = new LocalAnswers(listener, client);
        this.choice = choice;
        this.upstream = upstream;
        this.downstream = downstream;
    }

    /** The connection's answers, for the refusals its handler gives itself (a malformed head or body). */
    LocalAnswers answers() {
        return answers;
    }

    /** Counts {@code bytes} more of the current request's body: false once past its route's limit. */
    boolean bodyWithinLimit(int bytes) {
        return admission.bodyWithinLimit(bytes);
    }

    /**
     * Takes the well-formed head {@code req} (HTTP/1.0 when {@code http10}): returns the exchange that
     * carries it to a backend, or null when it was answered here; then {@link #closes} says whether the
     * connection must close ({@code draining}: the daemon stops, every answer is the last).
     */
    Exchange accept(HttpRequest req, boolean http10, boolean draining) {
        closes = false;
        if (!http10 && !HttpVersion.HTTP_1_1.equals(req.protocolVersion())
                || !stream && !listener.routing().listener().http2().http1()) {
            return refuse(req, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "Only HTTP/1.0 and HTTP/1.1 are served here.");
        }
        if (req.method() == HttpMethod.CONNECT) {
            return refuse(req, HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not served: this is a reverse proxy.");
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (!http10 && host == null) {
            return refuse(req, HttpResponseStatus.BAD_REQUEST, "An HTTP/1.1 request needs a Host header.");
        }
        // One read of the routing: a reload swaps it whole, this request keeps the one it saw.
        Routing routing = listener.routing();
        Route route = routing.route(request.facts.begin(req, host, peer.address()));
        req = request.forward(req, host, http10, routing.clientCertHeader());
        boolean keepOpen = request.keepAlive() && !request.upgrading() && !http10;
        FullHttpResponse refusal = admission.check(routing, route, req, peer.address(), request.requestId());
        if (refusal != null) {
            ReferenceCountUtil.release(req);
            answer(routing, req, refusal, keepOpen && !admission.closes(), draining);
            return null;
        }
        ClientLimiter.Client held = admission.takeSlot();
        if (route.answersItself()) {
            if (held != null) {
                held.release();
            }
            ReferenceCountUtil.release(req);
            answer(routing, req, route.answer(request), keepOpen, draining);
            return null;
        }
        route.rewrite(req, request.facts, request);
        request.running(req);
        return new Exchange(client, req, route, routing, choice, upstream, downstream,
                request.keepAlive() && !draining, http10, request.upgrading(), request.requestId(), held);
    }

    /** Whether the connection must close after the answer {@link #accept} gave instead of an exchange. */
    boolean closes() {
        return closes;
    }

    private Exchange refuse(HttpRequest req, HttpResponseStatus status, String message) {
        ReferenceCountUtil.release(req);
        closes = true;
        answers.reject(req, status, message);
        return null;
    }

    /**
     * Answers a request without a backend, counted and logged; the connection stays open when
     * {@code keepAlive} and not {@code draining} (a body the request still sends is read and dropped).
     */
    private void answer(Routing routing, HttpRequest req, FullHttpResponse answer, boolean keepAlive,
                        boolean draining) {
        closes = !keepAlive || draining;
        // The request-target as the client sent it, not as a rewrite would have made it.
        answers.answer(routing, req, request.protocol(), request.facts.uri, request.requestId(), answer, closes);
    }
}
