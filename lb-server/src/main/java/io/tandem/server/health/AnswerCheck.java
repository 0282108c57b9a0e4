package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Promise;
import io.tandem.config.HealthConfig;
import java.nio.charset.StandardCharsets;

/**
 * What an HTTP check makes of its answer, over HTTP/1.1 ({@link HttpProbe}) or on an HTTP/2 stream
 * ({@link Http2Probe}): the final status must be one of {@code expect-status}; with {@code expect-body},
 * the first {@link HttpProbe#MAX_BODY} bytes of the body must contain it. The protocol's handler feeds it
 * the status, the body's parts and the close; the verdict goes to the probe's promise. One per check;
 * confined to the check's event loop.
 */
final class AnswerCheck {

    private final Promise<ProbeResult> promise;
    private final HealthConfig config;
    private final byte[] expectBody;
    private int status;
    private ByteBuf body;

    AnswerCheck(Promise<ProbeResult> promise, HealthConfig config, byte[] expectBody) {
        this.promise = promise;
        this.config = config;
        this.expectBody = expectBody;
    }

    boolean done() {
        return promise.isDone();
    }

    /**
     * The final answer's status ({@code shown} as the answer gave it, for the reason); judged at once unless
     * the body is to be searched.
     */
    void status(ChannelHandlerContext ctx, int code, String shown) {
        status = code;
        if (!config.expectStatus().contains(code)) {
            promise.trySuccess(ProbeResult.fail("HTTP " + shown + " (expected " + config.expectStatus() + ")"));
        } else if (expectBody == null) {
            promise.trySuccess(ProbeResult.pass("HTTP " + code));
        } else {
            body = ctx.alloc().heapBuffer(256, HttpProbe.MAX_BODY);
        }
    }

    /** Whether the body is being searched (the status passed, with {@code expect-body}). */
    boolean readingBody() {
        return body != null && !promise.isDone();
    }

    /** A part of the body ({@code part} may be null: an end without bytes); {@code end}: the body ends with it. */
    void body(ByteBuf part, boolean end) {
        if (body == null) {
            return;
        }
        if (part != null) {
            body.writeBytes(part, part.readerIndex(), Math.min(part.readableBytes(), body.maxWritableBytes()));
            if (HttpProbe.contains(body, expectBody)) {
                promise.trySuccess(ProbeResult.pass("HTTP " + status + ", body has the expected text"));
                return;
            }
        }
        if (end || body.maxWritableBytes() == 0) {
            promise.trySuccess(ProbeResult.fail("HTTP " + status + ", body lacks '"
                    + new String(expectBody, StandardCharsets.UTF_8) + "'"));
        }
    }

    /** The connection (or stream) closed: a check still waiting fails for it. */
    void closed() {
        release();
        promise.trySuccess(ProbeResult.fail(status == 0 ? "connection closed before the response"
                : "connection closed before the body ended"));
    }

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
