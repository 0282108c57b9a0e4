package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * One stream to an HTTP/2 backend as the HTTP/1.1 objects the exchange writes and reads: the request
 * head becomes HEADERS ({@code Host} becomes {@code :authority}, connection-specific fields go, and
 * {@code te: trailers} is sent, which gRPC servers require: Tandem passes trailers on), its body DATA,
 * its end's trailers a last HEADERS frame. The response's HEADERS become a response head (an interim
 * one followed by its empty end, as Netty's HTTP/1.1 decoder hands them), DATA body parts, and the
 * trailing HEADERS ({@code grpc-status}, {@code grpc-message}) the end's trailers.
 *
 * <p>Confined to the stream's event loop.
 */
final class Http2ClientStreamCodec extends ChannelDuplexHandler {

    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");

    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /** The request's {@code :scheme}: https on a connection over TLS ({@code protocol: h2}). */
    private final AsciiString scheme;
    /** The request's END_STREAM went out: anything written after it (an empty end) is dropped. */
    private boolean requestEnded;
    /** The final response head was read: a later HEADERS frame holds trailers. */
    private boolean headRead;

    /** A stream of an h2c connection. */
    Http2ClientStreamCodec() {
        this(false);
    }

    /** {@code tls}: the connection is over TLS, so requests say {@code :scheme https}. */
    Http2ClientStreamCodec(boolean tls) {
        this.scheme = tls ? HTTPS : HTTP;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (requestEnded) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        if (msg instanceof HttpRequest) {
            HttpRequest req = (HttpRequest) msg;
            Http2Headers h = new DefaultHttp2Headers(false);
            h.method(req.method().asciiName()).path(req.uri()).scheme(scheme);
            String host = req.headers().get(HttpHeaderNames.HOST);
            if (host != null) {
                h.authority(host);
            }
            HttpConversionUtil.toHttp2Headers(req.headers(), h);
            h.set(TE, TRAILERS);
            if (msg instanceof FullHttpRequest) {
                FullHttpRequest full = (FullHttpRequest) msg;
                if (!full.content().isReadable() && full.trailingHeaders().isEmpty()) {
                    full.release();
                    requestEnded = true;
                    ctx.write(new DefaultHttp2HeadersFrame(h, true), promise);
                    return;
                }
                ctx.write(new DefaultHttp2HeadersFrame(h, false), ctx.voidPromise());
                writeEnd(ctx, full, promise);
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(h, false), promise);
            return;
        }
        if (msg instanceof LastHttpContent) {
            writeEnd(ctx, (LastHttpContent) msg, promise);
            return;
        }
        if (msg instanceof HttpContent) {
            ctx.write(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
            return;
        }
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new IllegalStateException("an HTTP/2 stream takes request objects, not "
                + msg.getClass().getSimpleName()));
    }

    private void writeEnd(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        requestEnded = true;
        if (last.trailingHeaders().isEmpty()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        if (last.content().isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), false), ctx.voidPromise());
        } else {
            last.release();
        }
        Http2Headers trailers = new DefaultHttp2Headers(false);
        HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), trailers);
        ctx.write(new DefaultHttp2HeadersFrame(trailers, true), promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame) {
            Http2HeadersFrame frame = (Http2HeadersFrame) msg;
            Http2Headers in = frame.headers();
            if (!headRead && in.status() != null) {
                int code = HttpResponseStatus.parseLine(in.status()).code();
                HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
                copy(in, headers);
                ctx.fireChannelRead(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                        headers));
                if (code >= 100 && code < 200) {
                    // An interim answer ends here; the final head follows.
                    ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
                    return;
                }
                headRead = true;
                if (frame.isEndStream()) {
                    ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            } else {
                LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER,
                        DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
                copy(in, last.trailingHeaders());
                ctx.fireChannelRead(last);
            }
        } else if (msg instanceof Http2DataFrame) {
            Http2DataFrame frame = (Http2DataFrame) msg;
            ctx.fireChannelRead(frame.isEndStream() ? new DefaultLastHttpContent(frame.content())
                    : new DefaultHttpContent(frame.content()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private static void copy(Http2Headers in, HttpHeaders out) {
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            CharSequence name = e.getKey();
            if (name.length() == 0 || name.charAt(0) != ':') {
                out.add(name, e.getValue());
            }
        }
    }
}
