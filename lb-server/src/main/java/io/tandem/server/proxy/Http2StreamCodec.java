package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * One HTTP/2 request stream as the HTTP/1.1 objects the rest of the proxy
 * reads, and the response objects it writes as HTTP/2 frames: the child
 * channel of each stream has this codec and a {@link FrontendHandler}, so a
 * stream goes through the same request lifecycle as an HTTP/1.1 request.
 *
 * <p>In: the request's HEADERS become an {@link io.netty.handler.codec.http.HttpRequest}
 * (HTTP/1.1, which backends are spoken to): {@code :authority} becomes
 * {@code Host} (RFC 9113 section 8.3.1: it wins over a Host field), the
 * {@code cookie} fields a client may split are joined with "; " (section
 * 8.2.3), pseudo-headers go. A request that ends with its HEADERS gets an empty end;
 * one with a body and no {@code content-length} is sent on chunked. DATA
 * frames become body parts, trailing HEADERS the end's trailers. Netty's
 * HTTP/2 decoder already refused what HTTP/2 forbids (connection-specific
 * fields, {@code TE} other than {@code trailers}, upper-case names,
 * a {@code content-length} its DATA does not match).
 *
 * <p>Out: a response the backend connection forwards as bytes ({@link RawResponse}, then
 * {@link RawBody} parts) becomes HEADERS read from those bytes ({@link Http2ResponseHead}) and DATA;
 * any other response head becomes HEADERS with {@code :status} and without
 * HTTP/1's connection-specific fields ({@code Connection} and what it names,
 * {@code Keep-Alive}, {@code Transfer-Encoding}, ...); body parts become DATA;
 * the end's trailers (gRPC's {@code grpc-status}) a last HEADERS frame. An
 * interim (1xx) response is a HEADERS frame of its own, and the empty end the
 * HTTP/1 side writes after it is dropped. An empty buffer (the HTTP/1 side's
 * "flush, then close") writes nothing.
 *
 * <p>Confined to the stream channel's event loop (its connection's).
 */
final class Http2StreamCodec extends ChannelDuplexHandler {

    /** An interim response went out: the empty end that follows it is not the stream's. */
    private boolean interim;
    /** The response's END_STREAM was written. */
    private boolean ended;
    /** Completes when the frame with END_STREAM has left (set with {@link #ended}). */
    private ChannelPromise endWritten;
    /** The request head was read: a later HEADERS frame holds trailers. */
    private boolean headRead;
    /**
     * The response head, held until what follows it is known: an empty end makes it one HEADERS frame with
     * END_STREAM (gRPC's Trailers-Only answer must come so; a bodiless answer saves a frame); anything
     * else, or a flush, sends it as it is.
     */
    private Http2Headers heldHead;
    private ChannelPromise heldPromise;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame) {
            Http2HeadersFrame frame = (Http2HeadersFrame) msg;
            if (!headRead) {
                headRead = true;
                ctx.fireChannelRead(request(frame.headers(), frame.isEndStream()));
                if (frame.isEndStream()) {
                    ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            } else {
                LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER,
                        DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
                copyFields(frame.headers(), last.trailingHeaders());
                ctx.fireChannelRead(last);
            }
        } else if (msg instanceof Http2DataFrame) {
            Http2DataFrame frame = (Http2DataFrame) msg;
            ByteBuf content = frame.content();
            ctx.fireChannelRead(frame.isEndStream() ? new DefaultLastHttpContent(content)
                    : new DefaultHttpContent(content));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The request head of a stream's first HEADERS frame. */
    static DefaultHttpRequest request(Http2Headers in, boolean endStream) {
        CharSequence method = in.method();
        CharSequence path = in.path();
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        copyFields(in, headers);
        CharSequence authority = in.authority();
        if (authority != null) {
            headers.set(HttpHeaderNames.HOST, authority);
        }
        if (!endStream && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // A body of unknown length: the backend gets it chunked, as HTTP/1.1 carries it.
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        // Netty's decoder refused a request without :method or :path (RFC 9113 section 8.3.1);
        // CONNECT (which has no :path) is answered 405 like an HTTP/1.1 CONNECT.
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1,
                method == null ? HttpMethod.GET : HttpMethod.valueOf(method.toString()),
                path == null ? "/" : path.toString(), headers);
    }

    /** Regular fields of {@code in} into {@code out}; the cookie crumbs of a request become one field. */
    private static void copyFields(Http2Headers in, HttpHeaders out) {
        StringBuilder cookie = null;
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                if (cookie == null) {
                    cookie = new StringBuilder(e.getValue());
                } else {
                    cookie.append("; ").append(e.getValue());
                }
                continue;
            }
            out.add(name, e.getValue());
        }
        if (cookie != null) {
            out.set(HttpHeaderNames.COOKIE, cookie.toString());
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (ended) {
            // Nothing more goes on the stream; what is written after its end (the HTTP/1 side's "flush, then
            // close") completes when the end has left: the DATA before it may still wait for the client's
            // window, and a close before then would reset the stream and cut its body.
            ReferenceCountUtil.release(msg);
            afterEnd(promise);
            return;
        }
        if (msg instanceof RawResponse) {
            writeRaw(ctx, (RawResponse) msg, promise);
            return;
        }
        if (msg instanceof RawBody) {
            RawBody part = (RawBody) msg;
            if (part.last) {
                end(ctx, new DefaultHttp2DataFrame(part.content(), true), promise);
            } else {
                ctx.write(new DefaultHttp2DataFrame(part.content(), false), promise);
            }
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            int code = response.status().code();
            Http2Headers headers = new DefaultHttp2Headers(false);
            headers.status(response.status().codeAsText());
            HttpConversionUtil.toHttp2Headers(response.headers(), headers);
            if (code >= 100 && code < 200) {
                // Interim: a HEADERS frame of its own; the HTTP/1 side ends it with an empty end, dropped below.
                interim = true;
                ReferenceCountUtil.release(msg);
                ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise);
                return;
            }
            if (msg instanceof FullHttpMessage) {
                FullHttpMessage full = (FullHttpMessage) msg;
                boolean bodyless = !full.content().isReadable() && full.trailingHeaders().isEmpty();
                if (bodyless) {
                    full.release();
                    end(ctx, new DefaultHttp2HeadersFrame(headers, true), promise);
                    return;
                }
                ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise());
                writeEnd(ctx, full, promise);
                return;
            }
            heldHead = headers;
            heldPromise = promise;
            return;
        }
        if (msg instanceof LastHttpContent) {
            if (interim) {
                interim = false;
                ReferenceCountUtil.release(msg);
                promise.trySuccess();
                return;
            }
            LastHttpContent last = (LastHttpContent) msg;
            if (heldHead != null && !last.content().isReadable() && last.trailingHeaders().isEmpty()) {
                last.release();
                Http2Headers head = heldHead;
                heldHead = null;
                end(ctx, new DefaultHttp2HeadersFrame(head, true), heldPromise);
                afterEnd(promise);
                return;
            }
            writeHeld(ctx);
            writeEnd(ctx, last, promise);
            return;
        }
        writeHeld(ctx);
        if (msg instanceof HttpContent) {
            ctx.write(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
            return;
        }
        if (msg instanceof ByteBuf && !((ByteBuf) msg).isReadable()) {
            ((ByteBuf) msg).release();
            promise.trySuccess();
            return;
        }
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new IllegalStateException("an HTTP/2 stream takes response objects, not "
                + msg.getClass().getSimpleName()));
    }

    /**
     * A final response forwarded as bytes: HEADERS read from its head, then the body bytes that came with
     * it as DATA; a complete response without body bytes is one HEADERS frame with END_STREAM.
     */
    private void writeRaw(ChannelHandlerContext ctx, RawResponse raw, ChannelPromise promise) {
        Http2Headers headers;
        ByteBuf body = raw.body.retain();
        try {
            headers = Http2ResponseHead.of(raw.status, raw.head);
        } finally {
            raw.release();
        }
        if (raw.complete && !body.isReadable()) {
            body.release();
            end(ctx, new DefaultHttp2HeadersFrame(headers, true), promise);
            return;
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise());
        if (raw.complete) {
            end(ctx, new DefaultHttp2DataFrame(body, true), promise);
        } else if (body.isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(body, false), promise);
        } else {
            body.release();
            promise.trySuccess();
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHeld(ctx);
        ctx.flush();
    }

    private void writeHeld(ChannelHandlerContext ctx) {
        if (heldHead != null) {
            Http2Headers head = heldHead;
            heldHead = null;
            ctx.write(new DefaultHttp2HeadersFrame(head, false), heldPromise);
        }
    }

    /** The last body part and the trailers (if any) with END_STREAM. */
    private void writeEnd(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            end(ctx, new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        if (last.content().isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), false), ctx.voidPromise());
        } else {
            last.release();
        }
        Http2Headers h2 = new DefaultHttp2Headers(false);
        HttpConversionUtil.toHttp2Headers(trailers, h2);
        end(ctx, new DefaultHttp2HeadersFrame(h2, true), promise);
    }

    /**
     * Writes the frame with END_STREAM. Its future completes once the frame has left, which for DATA is
     * after the client's flow-control window let it (and all DATA before it) go.
     */
    private void end(ChannelHandlerContext ctx, Http2StreamFrame frame, ChannelPromise promise) {
        ended = true;
        endWritten = ctx.newPromise();
        afterEnd(promise);
        ctx.write(frame, endWritten);
    }

    /** Completes {@code promise} as the write of the end completes (a void promise included). */
    private void afterEnd(ChannelPromise promise) {
        if (endWritten.isDone()) {
            complete(endWritten, promise);
        } else {
            ChannelPromise end = endWritten;
            end.addListener(f -> complete(end, promise));
        }
    }

    private static void complete(ChannelPromise end, ChannelPromise promise) {
        if (end.isSuccess()) {
            promise.trySuccess();
        } else {
            promise.tryFailure(end.cause());
        }
    }
}
