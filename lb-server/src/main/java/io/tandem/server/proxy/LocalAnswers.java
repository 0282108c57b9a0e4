package io.tandem.server.proxy;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * The answers a client connection gives without an exchange, each counted in
 * its listener's meters and written to its access log here: a route's
 * redirect or fixed response and the refusals of {@link Admission} (the
 * connection may go on), and the refusals that close it (a malformed head,
 * an unserved version or method, a body too large once it streams). Whether
 * the connection goes on is {@link FrontendHandler}'s to act on; this class
 * only writes. Confined to the client channel's event loop.
 */
final class LocalAnswers {

    /** What a malformed request head is answered with. */
    record Refusal(HttpResponseStatus status, String message) {}

    private final ListenerRuntime listener;
    private final ClientConnection client;

    LocalAnswers(ListenerRuntime listener, ClientConnection client) {
        this.listener = listener;
        this.client = client;
    }

    /**
     * Completes {@code answer} to {@code req} ({@code X-Request-Id}, HSTS over TLS, {@code Connection: close}
     * when {@code close}), counts and logs it with the request-target {@code uri} as the client sent it,
     * and writes it, closing the connection after it when {@code close}.
     */
    void answer(Routing routing, HttpRequest req, String protocol, String uri, String requestId,
                FullHttpResponse answer, boolean close) {
        answer.headers().set(ForwardedHeaders.X_REQUEST_ID, requestId);
        if (client.https() && routing.hsts() != null) {
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
            AccessEntry e = AccessEntry.of(client, req, protocol);
            e.uri = uri;
            e.status = code;
            e.bytesOut = bytes;
            e.requestId = requestId;
            accessLog.log(e);
        }
        ErrorResponses.write(client.channel(), answer, close);
    }

    /** Refuses {@code req} (null: no head to name) with {@code status}, counted and logged, and closes. */
    void reject(HttpRequest req, HttpResponseStatus status, String message) {
        listener.meters().localAnswer(status.code());
        long bytes = ErrorResponses.send(client.channel(), status, message, true, null);
        AccessLog accessLog = listener.routing().accessLog();
        if (accessLog != AccessLog.OFF) {
            AccessEntry e = AccessEntry.of(client, req, req == null ? null : req.protocolVersion().text());
            e.status = status.code();
            e.bytesOut = bytes;
            accessLog.log(e);
        }
    }

    /** 408: a request head began and did not complete in time; counted, not logged (there is no request). */
    void headTimedOut() {
        listener.meters().localAnswer(408);
        ErrorResponses.send(client.channel(), HttpResponseStatus.REQUEST_TIMEOUT,
                "The request headers did not arrive in time.", true, null);
    }

    /** What a head the decoder failed with {@code cause} is answered with: 400, 414, 431 or the codec's own. */
    static Refusal malformed(Throwable cause) {
        if (cause instanceof FrontendCodec.Rejection) {
            FrontendCodec.Rejection r = (FrontendCodec.Rejection) cause;
            return new Refusal(HttpResponseStatus.valueOf(r.status), r.status == 501
                    ? "The request uses a transfer coding this proxy does not implement."
                    : "The request is malformed: " + r.getMessage() + ".");
        }
        if (cause instanceof TooLongHttpLineException) {
            return new Refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than this listener accepts.");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than this listener accepts.");
        }
        if (cause instanceof TooLongFrameException) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "The request is malformed: a part of it is too long.");
        }
        return new Refusal(HttpResponseStatus.BAD_REQUEST, "The request is malformed.");
    }
}
