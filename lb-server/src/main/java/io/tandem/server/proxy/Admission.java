package io.tandem.server.proxy;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.tandem.core.limit.ClientLimiter;
import io.tandem.server.metrics.ListenerMeters;

/**
 * What a listener and a route let a request do before it goes anywhere: the
 * listener's and then the route's access rules (403, 401 with the route's
 * challenge, 503 while password checks are saturated), the route's body limit
 * (413 at once from a {@code Content-Length}, else counted as the body
 * streams), and the route's per-client rate and in-flight caps (429 with
 * {@code Retry-After}). Each refusal is counted in the listener's meters.
 *
 * <p>One per client connection, begun again by each request's {@link #check};
 * confined to the connection's event loop.
 */
final class Admission {

    private final ListenerMeters meters;
    /** The current request's body limit (0: none) and the body bytes it sent so far. */
    private long bodyLimit;
    private long bodyBytes;
    /** The slot of its client's in-flight cap the current request took, until {@link #takeSlot}. */
    private ClientLimiter.Client slot;
    /** The last refusal leaves the request's body unread: the connection closes after it. */
    private boolean closes;

    Admission(ListenerMeters meters) {
        this.meters = meters;
    }

    /**
     * Checks a request of {@code client} (its address bytes, or null when unknown): null when it may go on
     * (with {@link #takeSlot} holding the in-flight slot it took, if its route caps that), else the answer
     * to send it, with {@link #closes} saying whether the connection must close after it.
     */
    FullHttpResponse check(Routing routing, Route route, HttpRequest req, byte[] client, String requestId) {
        slot = null;
        closes = false;
        HttpHeaders headers = req.headers();
        AccessRule refusedBy = routing.access();
        int refused = refusedBy.check(client, headers);
        if (refused == AccessRule.ALLOWED) {
            refusedBy = route.access();
            refused = refusedBy.check(client, headers);
        }
        if (refused != AccessRule.ALLOWED) {
            if (refused == 503) {
                meters.limited("password-checks");
            }
            FullHttpResponse answer = ErrorResponses.response(HttpResponseStatus.valueOf(refused),
                    AccessRule.reason(refused), false, refused == 503 ? "1" : null, requestId);
            if (refused == 401) {
                answer.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, refusedBy.challenge());
            }
            return answer;
        }
        bodyLimit = route.bodyLimit();
        bodyBytes = 0;
        if (bodyLimit > 0 && HttpUtil.getContentLength(req, -1L) > bodyLimit) {
            meters.limited("body");
            // The body is not read: the connection closes after the answer.
            closes = true;
            return ErrorResponses.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than this resource accepts.", true, null, requestId);
        }
        ClientLimiter limiter = route.limiter();
        if (limiter == null || client == null) {
            return null;
        }
        ClientLimiter.Client counters = limiter.client(client);
        ClientLimiter.Verdict verdict = limiter.admit(counters);
        if (verdict == ClientLimiter.Verdict.ADMITTED) {
            slot = limiter.capsInFlight() ? counters : null;
            return null;
        }
        boolean rate = verdict == ClientLimiter.Verdict.RATE;
        meters.limited(rate ? "rate" : "connections");
        // Whole seconds, rounded up: a client that waits that long is let through.
        long wait = rate ? Math.max(1, (limiter.retryAfterNanos(counters) + 999_999_999) / 1_000_000_000) : 1;
        return ErrorResponses.response(HttpResponseStatus.TOO_MANY_REQUESTS, rate
                ? "Too many requests from your address; retry later."
                : "Too many requests from your address at once; retry later.", false, Long.toString(wait),
                requestId);
    }

    /** Whether the connection must close after the refusal {@link #check} returned. */
    boolean closes() {
        return closes;
    }

    /** The in-flight slot the admitted request took (null for none); its holder releases it. */
    ClientLimiter.Client takeSlot() {
        ClientLimiter.Client taken = slot;
        slot = null;
        return taken;
    }

    /**
     * Counts {@code bytes} more of the current request's body: false once it is past its route's limit
     * (counted as refused), when the request must stop.
     */
    boolean bodyWithinLimit(int bytes) {
        if (bodyLimit > 0 && (bodyBytes += bytes) > bodyLimit) {
            meters.limited("body");
            return false;
        }
        return true;
    }
}
