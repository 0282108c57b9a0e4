package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.config.ErrorPage;
import io.tandem.core.retry.RetryDecision;
import java.nio.charset.StandardCharsets;

/** The short plain-text answers Tandem gives itself (DESIGN.md, "Errors users see"). */
final class ErrorResponses {

    /** The sentence of the 502 for a backend that answered 101 to a request that did not ask to upgrade. */
    static final String UNASKED_SWITCH = "The backend switched protocols without being asked to.";

    private ErrorResponses() {}

    /** The sentence of the 503 for a pool with no backend that takes requests. */
    static String noBackendUp(String pool) {
        return "No backend of pool '" + pool + "' is up.";
    }

    /** The status of the answer to a request {@link RetryDecision} says cannot go again: 504 or 502. */
    static HttpResponseStatus status(RetryDecision decision) {
        return decision.status() == 504 ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY;
    }

    /** The sentence that answer carries: what went wrong with the backends of {@code pool}. */
    static String message(RetryDecision decision, String pool) {
        return switch (decision) {
            case GATEWAY_TIMEOUT_CONNECT -> "The backend did not accept a connection in time.";
            case GATEWAY_TIMEOUT_RESPONSE -> "The backend did not answer in time.";
            case BAD_GATEWAY_CLOSED -> "The backend closed the connection before answering.";
            default -> "No backend of pool '" + pool + "' could be reached.";
        };
    }

    /**
     * Writes an error answer; closes the connection after it when {@code close}.
     * Never a stack trace: {@code message} is one sentence for a person.
     * Returns the length of the body.
     */
    static int send(Channel client, HttpResponseStatus status, String message, boolean close, String retryAfter) {
        return send(client, status, message, close, retryAfter, null);
    }

    /** Like {@link #send(Channel, HttpResponseStatus, String, boolean, String)}, naming the request it answers. */
    static int send(Channel client, HttpResponseStatus status, String message, boolean close, String retryAfter,
                    String requestId) {
        FullHttpResponse response = response(status, message, close, retryAfter, requestId);
        int length = response.content().readableBytes();
        write(client, response, close);
        return length;
    }

    /**
     * Builds an error answer ({@code Connection: close} when {@code close});
     * its content is the body, whose length the access log records.
     */
    static FullHttpResponse response(HttpResponseStatus status, String message, boolean close, String retryAfter,
                                     String requestId) {
        return response(status, message, close, retryAfter, requestId, null);
    }

    /**
     * Like {@link #response(HttpResponseStatus, String, boolean, String, String)}, with the pool's page
     * for the status, or null for the sentence.
     */
    static FullHttpResponse response(HttpResponseStatus status, String message, boolean close, String retryAfter,
                                     String requestId, ErrorPage page) {
        ByteBuf body = Unpooled.copiedBuffer(page == null ? message + "\n" : page.body(), StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, page == null ? "text/plain; charset=utf-8" : page.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (requestId != null) {
            response.headers().set(ForwardedHeaders.X_REQUEST_ID, requestId);
        }
        if (retryAfter != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** Writes and flushes an answer built by {@link #response}; closes the connection after it when {@code close}. */
    static void write(Channel client, FullHttpResponse response, boolean close) {
        if (close) {
            client.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            client.writeAndFlush(response);
        }
    }
}
