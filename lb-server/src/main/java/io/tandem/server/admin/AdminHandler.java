package io.tandem.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP end of the admin API, on the admin listener's event loop: routes
 * each call through {@link AdminRouter}, asks for the bearer token on
 * mutating routes, refuses cross-site browser calls to them, and writes the
 * endpoint's answer. 404 for unknown paths, 405 (with Allow) for a known path
 * with the wrong method, 401 for a missing or wrong token, 500 with a short
 * message if an endpoint fails.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminRouter router;
    private final java.util.function.Supplier<AdminToken> token;

    /** @param token the token in force, asked on every mutating call (a reload may change it) */
    AdminHandler(AdminRouter router, java.util.function.Supplier<AdminToken> token) {
        this.router = router;
        this.token = token;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean head = req.method().equals(HttpMethod.HEAD);
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !req.decoderResult().isFailure();
        CompletionStage<AdminResponse> answer;
        if (req.decoderResult().isFailure()) {
            answer = CompletableFuture.completedFuture(
                    AdminResponse.text(HttpResponseStatus.BAD_REQUEST, "Malformed request."));
        } else {
            answer = answer(ctx, req);
        }
        String what = req.method() + " " + req.uri();
        // The request is released when this method returns; the answer may come later, from another thread.
        answer.whenComplete((response, error) -> {
            AdminResponse r = response;
            if (error != null) {
                log.warn("admin: {} failed", what, error);
                r = AdminResponse.text(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "The admin call failed: " + error.getClass().getSimpleName());
            }
            AdminResponse out = r;
            if (ctx.executor().inEventLoop()) {
                write(ctx, head, keepAlive, out);
            } else {
                ctx.executor().execute(() -> write(ctx, head, keepAlive, out));
            }
        });
    }

    private CompletionStage<AdminResponse> answer(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.rawPath();
        AdminRouter.Match match = router.match(req.method(), path);
        if (match.route() == null) {
            if (match.allowed().isEmpty()) {
                return done(AdminResponse.text(HttpResponseStatus.NOT_FOUND, "No such admin path: " + uri.path()));
            }
            String allow = String.join(", ", match.allowed());
            return done(AdminResponse.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "Method " + req.method() + " is not allowed on " + uri.path() + "; use " + allow + ".")
                    .withHeader("Allow", allow));
        }
        String client = client(ctx);
        if (match.route().mutating()) {
            AdminToken t = token.get();
            if (!t.permits(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                log.warn("admin: refused {} {} from {}: missing or wrong bearer token", req.method(), uri.path(),
                        client);
                return done(AdminResponse.text(HttpResponseStatus.UNAUTHORIZED,
                        "This call needs the admin token: Authorization: Bearer TOKEN (admin.token-file).")
                        .withHeader("WWW-Authenticate", "Bearer realm=\"tandem\""));
            }
            if (crossSite(req)) {
                log.warn("admin: refused cross-site {} {} from {} (Origin {})", req.method(), uri.path(), client,
                        req.headers().get(HttpHeaderNames.ORIGIN));
                return done(AdminResponse.text(HttpResponseStatus.FORBIDDEN,
                        "Cross-site requests may not change this node (Origin does not match Host)."));
            }
            if (!t.required() && !addressedByIp(req)) {
                log.warn("admin: refused {} {} from {} to Host {}: no admin token, and not addressed by IP",
                        req.method(), uri.path(), client, req.headers().get(HttpHeaderNames.HOST));
                return done(AdminResponse.text(HttpResponseStatus.FORBIDDEN,
                        "Without admin.token-file, changes are only taken at an IP address or localhost "
                                + "(Host header); set a token to manage this node by name."));
            }
        }
        AdminRequest request = new AdminRequest(req.method(), uri.path(), match.params(), uri.parameters(),
                req.content().toString(StandardCharsets.UTF_8), req.headers(), client);
        return match.route().endpoint().handle(request);
    }

    private static CompletionStage<AdminResponse> done(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /**
     * A browser on another site may send a simple POST to a loopback port; its
     * Origin then names that site. Calls without Origin (curl, scripts) and
     * from the status page itself pass.
     */
    private static boolean crossSite(FullHttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return false;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        return host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    /**
     * Whether the Host header names an IP literal or localhost. Without a
     * token this stops DNS rebinding: a hostile name that resolves to the
     * loopback address would otherwise make its page same-origin with us.
     */
    static boolean addressedByIp(FullHttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            // HTTP/1.0 without Host: not a browser of today.
            return true;
        }
        String name = host.startsWith("[") ? host.substring(0, Math.max(host.indexOf(']') + 1, 1))
                : host.lastIndexOf(':') >= 0 ? host.substring(0, host.lastIndexOf(':')) : host;
        return name.equalsIgnoreCase("localhost") || name.startsWith("[")
                || name.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private static String client(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) ctx.channel().remoteAddress();
            return a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        }
        return String.valueOf(ctx.channel().remoteAddress());
    }

    private static void write(ChannelHandlerContext ctx, boolean head, boolean keepAlive, AdminResponse answer) {
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        for (Map.Entry<String, String> h : answer.headers().entrySet()) {
            response.headers().set(h.getKey(), h.getValue());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection failed: {}", cause.toString());
        ctx.close();
    }
}
