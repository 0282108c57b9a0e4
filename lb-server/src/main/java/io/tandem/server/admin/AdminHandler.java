package io.tandem.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.tandem.config.ListenerConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.TandemServer;
import io.tandem.server.Version;
import io.tandem.server.proxy.PoolRuntime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Answers the admin API on the admin listener's event loop. */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TandemServer server;

    AdminHandler(TandemServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
        String path = new QueryStringDecoder(req.uri()).path();
        if (path.equals("/api/v1/reload")) {
            reload(ctx, req);
            return;
        }
        FullHttpResponse response;
        switch (path) {
            case "/metrics":
                response = get(req) ? text(HttpResponseStatus.OK, server.metrics().registry().scrape(),
                        "text/plain; version=0.0.4; charset=utf-8") : notAllowed();
                break;
            case "/healthz":
                response = get(req) ? text(HttpResponseStatus.OK, "ok\n", "text/plain; charset=utf-8") : notAllowed();
                break;
            case "/status":
                response = get(req) ? text(HttpResponseStatus.OK, JSON.writeValueAsString(status()),
                        "application/json") : notAllowed();
                break;
            default:
                response = text(HttpResponseStatus.NOT_FOUND, "No such admin path: " + path + "\n",
                        "text/plain; charset=utf-8");
        }
        respond(ctx, req, response);
    }

    /**
     * POST /api/v1/reload: 200 with a summary when applied, 422 with every
     * problem when refused (the running config stays). Runs on the control
     * thread; the answer is written back on this channel's loop.
     */
    private void reload(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.method().equals(HttpMethod.POST)) {
            respond(ctx, req, notAllowed());
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        server.reloadAsync().whenComplete((result, error) -> ctx.executor().execute(() -> {
            ObjectNode body = JSON.createObjectNode();
            HttpResponseStatus status;
            if (error != null) {
                status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                body.put("applied", false);
                body.put("summary", "reload failed: " + error);
            } else {
                status = result.applied() ? HttpResponseStatus.OK : HttpResponseStatus.UNPROCESSABLE_ENTITY;
                body.put("applied", result.applied());
                body.put("summary", result.summary());
                ArrayNode problems = body.putArray("problems");
                result.problems().forEach(problems::add);
            }
            FullHttpResponse response;
            try {
                response = text(status, JSON.writeValueAsString(body) + "\n", "application/json");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "reload: cannot encode result\n",
                        "text/plain; charset=utf-8");
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE);
        }));
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static boolean get(FullHttpRequest req) {
        return req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
    }

    private ObjectNode status() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", Version.get());
        root.put("config", server.config().source());
        root.put("configLoadedAt", server.loadedAt().toString());
        root.put("uptimeSeconds", Duration.between(server.startedAt(), Instant.now()).toSeconds());
        ArrayNode listeners = root.putArray("listeners");
        for (ListenerConfig l : server.config().listeners()) {
            ObjectNode n = listeners.addObject();
            n.put("name", l.name());
            n.put("bind", l.bind().toString());
            n.put("pool", l.pool());
        }
        ObjectNode pools = root.putObject("pools");
        for (PoolRuntime p : server.pools().values()) {
            ObjectNode pn = pools.putObject(p.name());
            pn.put("strategy", p.config().strategy().configName());
            ArrayNode backends = pn.putArray("backends");
            for (Backend b : p.pool().backends()) {
                ObjectNode bn = backends.addObject();
                bn.put("address", b.id());
                bn.put("state", b.state().label());
                bn.put("weight", b.weight());
                bn.put("backup", b.backup());
                bn.put("activeRequests", b.inFlight());
            }
        }
        return root;
    }

    private static FullHttpResponse notAllowed() {
        return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed.\n", "text/plain; charset=utf-8");
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
