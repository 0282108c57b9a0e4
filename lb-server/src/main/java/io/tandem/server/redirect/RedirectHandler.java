package io.tandem.server.redirect;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;

/**
 * Answers every request of a redirecting listener with a redirect to https:
 * 301 for GET and HEAD, 308 for other methods, which keeps the method and
 * body (as Traefik's permanent scheme redirect does; a 301 lets clients turn a
 * POST into a GET). Request bodies are read and dropped; the connection stays
 * open for the next request ({@code HttpServerKeepAliveHandler} decides).
 * Runs on the connection's event loop; one per connection.
 */
final class RedirectHandler extends SimpleChannelInboundHandler<HttpObject> {

    private final RedirectListener listener;

    RedirectHandler(RedirectListener listener) {
        this.listener = listener;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest)) {
            return; // a body part: dropped
        }
        HttpRequest request = (HttpRequest) msg;
        if (request.decoderResult().isFailure()) {
            reject(ctx, "The request is malformed.");
            return;
        }
        String location = HttpsLocation.of(request.headers().get(HttpHeaderNames.HOST), request.uri(),
                listener.httpsPort());
        if (location == null) {
            reject(ctx, "A redirect to https needs a valid Host header and request-target.");
            return;
        }
        HttpMethod method = request.method();
        boolean safe = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                safe ? HttpResponseStatus.MOVED_PERMANENTLY : HttpResponseStatus.PERMANENT_REDIRECT);
        response.headers().set(HttpHeaderNames.LOCATION, location).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(response);
    }

    /** 400 and close: after a request it cannot read, the connection cannot be trusted to frame the next. */
    private static void reject(ChannelHandlerContext ctx, String message) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
