package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Upgrade: h2c} (RFC 7540 section 3.2) on a plain listener that speaks h2: the request is answered
 * 101, the connection becomes HTTP/2, and the request becomes its stream 1, proxied like any other
 * stream. Only a request without a body upgrades (a body would have to be read whole first); others,
 * and requests whose {@code HTTP2-Settings} cannot be read, are served as HTTP/1.1, which the RFC allows.
 */
final class Http2Upgrade {

    private static final Logger log = LoggerFactory.getLogger(Http2Upgrade.class);
    private static final AsciiString H2C = AsciiString.cached("h2c");
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private Http2Upgrade() {}

    /** Whether {@code req} asks to upgrade to h2c, and this listener and request may. */
    static boolean requested(ListenerRuntime listener, HttpRequest req) {
        HttpHeaders headers = req.headers();
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !listener.routing().listener().http2().h2() || listener.tls() != null) {
            return false;
        }
        boolean h2c = false;
        for (String token : upgrade.split(",")) {
            h2c |= H2C.contentEqualsIgnoreCase(token.trim());
        }
        return h2c && headers.getAll(HTTP2_SETTINGS).size() == 1
                && headers.containsValue(HttpHeaderNames.CONNECTION, HTTP2_SETTINGS, true)
                && !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0
                && settings(headers.get(HTTP2_SETTINGS)) != null;
    }

    /**
     * Answers 101 and makes the connection HTTP/2 with {@code req} as stream 1. The switch runs as a task
     * of the loop, after the HTTP/1.1 decoder has handed on the rest of what it read (the request's empty
     * end, which the closing handler drops): the client sends nothing more before it has the 101.
     */
    static void upgrade(ChannelHandlerContext ctx, ListenerRuntime listener, HttpRequest req) {
        Http2Settings settings = settings(req.headers().get(HTTP2_SETTINGS));
        HttpHeaders headers = req.headers();
        headers.remove(HttpHeaderNames.UPGRADE);
        headers.remove(HTTP2_SETTINGS);
        headers.remove(HttpHeaderNames.CONNECTION);
        FullHttpRequest stream1 = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER, headers, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        ReferenceCountUtil.release(req);
        stream1.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        ctx.channel().eventLoop().execute(() -> {
            if (!ctx.channel().isActive()) {
                stream1.release();
                return;
            }
            FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
            switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            switching.headers().set(HttpHeaderNames.UPGRADE, H2C);
            ctx.writeAndFlush(switching);
            ChannelPipeline pipeline = ctx.pipeline();
            Http2FrameCodec codec = Http2Frontend.install(pipeline, listener, false);
            try {
                // Stream 1, half-closed: the request is its HEADERS, as the codec would read them.
                codec.onHttpServerUpgrade(settings);
                codec.decoder().frameListener().onHeadersRead(pipeline.context(codec), 1,
                        HttpConversionUtil.toHttp2Headers(stream1, true), 0, true);
            } catch (Http2Exception e) {
                log.debug("h2c upgrade from {} failed: {}", ctx.channel().remoteAddress(), e.toString());
                ctx.channel().close();
            } finally {
                stream1.release();
            }
        });
    }

    /** The client's SETTINGS of an {@code HTTP2-Settings} field (base64url of a SETTINGS payload), or null. */
    static Http2Settings settings(String field) {
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(field.trim().replace("=", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (payload.length % 6 != 0) {
            return null;
        }
        Http2Settings settings = new Http2Settings();
        try {
            for (int i = 0; i < payload.length; i += 6) {
                char id = (char) (((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff));
                long value = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xff) << 16)
                        | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff);
                if (id >= 1 && id <= 6) {
                    // Unknown settings are ignored (RFC 9113 section 6.5.2).
                    settings.put(id, Long.valueOf(value));
                }
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return settings;
    }
}
