package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.config.RedirectConfig;
import io.tandem.config.RespondConfig;
import io.tandem.config.RewriteConfig;
import io.tandem.config.RouteConfig;
import io.tandem.config.RouteLimits;
import io.tandem.config.Template;
import io.tandem.core.limit.ClientLimiter;
import java.nio.charset.StandardCharsets;

/**
 * One route of a listener as the data path reads it: its compiled conditions,
 * and what it does with a request it takes: send it to a pool (rewriting the
 * path and headers on the way), or answer it itself with a redirect or a fixed
 * response. The listener's default route has no conditions and changes
 * nothing. Immutable, built once per config load; shared by every event loop.
 */
final class Route {

    private final RouteMatcher matcher;
    private final PoolRuntime pool;
    private final RewriteConfig rewrite;
    private final HeaderEdits requestEdits;
    private final HeaderEdits responseEdits;
    private final RedirectConfig redirect;
    private final RespondConfig respond;
    private final byte[] respondBody;
    private final AccessRule access;
    /** Largest request body in bytes; 0 for no limit. */
    private final long bodyLimit;
    /** The per-client counters of this route; null without per-client limits. */
    private final ClientLimiter limiter;
    /** The cache of this route's requests, or null. */
    private final RouteCache cache;

    private Route(RouteMatcher matcher, PoolRuntime pool, RewriteConfig rewrite, RedirectConfig redirect,
                  RespondConfig respond, AccessRule access, RouteLimits limits, int trackedClients, RouteCache cache,
                  ClientLimiter before) {
        this.matcher = matcher;
        this.cache = cache;
        this.bodyLimit = limits.body();
        this.limiter = limits.perClient() ? new ClientLimiter(limits.rate(), limits.window().toNanos(),
                limits.connections(), trackedClients, System::nanoTime, before) : null;
        this.access = access;
        this.pool = pool;
        this.rewrite = rewrite;
        this.requestEdits = rewrite.requestHeaders().isEmpty() ? HeaderEdits.NONE
                : new HeaderEdits(rewrite.requestHeaders());
        this.responseEdits = rewrite.responseHeaders().isEmpty() ? HeaderEdits.NONE
                : new HeaderEdits(rewrite.responseHeaders());
        this.redirect = redirect;
        this.respond = respond;
        this.respondBody = respond == null ? null : respond.body().getBytes(StandardCharsets.UTF_8);
    }

    /** This route sending to {@code pool} instead: the same conditions, policies and per-client counters. */
    private Route(Route from, PoolRuntime pool) {
        this.matcher = from.matcher;
        this.pool = pool;
        this.rewrite = from.rewrite;
        this.requestEdits = from.requestEdits;
        this.responseEdits = from.responseEdits;
        this.redirect = from.redirect;
        this.respond = from.respond;
        this.respondBody = from.respondBody;
        this.access = from.access;
        this.bodyLimit = from.bodyLimit;
        this.limiter = from.limiter;
        this.cache = from.cache;
    }

    /** This route with its pool taken from {@code pools} by name (a runtime change of the pools' backends). */
    Route withPools(java.util.Map<String, PoolRuntime> pools) {
        return pool == null ? this : new Route(this, pools.get(pool.name()));
    }

    /**
     * @param pool           the route's pool, null for a route that answers itself
     * @param trackedClients client addresses its per-client limits remember
     */
    static Route of(RouteConfig config, PoolRuntime pool, int trackedClients) {
        return of(config, pool, trackedClients, null, null);
    }

    /**
     * @param cache  the route's cache (its own or the listener's), or null
     * @param before the per-client counters of this route before a reload (see {@link ClientLimiter}), or
     *               null
     */
    static Route of(RouteConfig config, PoolRuntime pool, int trackedClients, RouteCache cache,
                    ClientLimiter before) {
        return new Route(new RouteMatcher(config.match()), pool, config.rewrite(), config.redirect().orElse(null),
                config.respond().orElse(null), AccessRule.of(config.access()), config.limits(), trackedClients,
                pool == null ? null : cache, before);
    }

    /** The route of requests no configured route matches. */
    static Route fallback(PoolRuntime pool) {
        return fallback(pool, null);
    }

    /** The route of requests no configured route matches, with the listener's cache (or null). */
    static Route fallback(PoolRuntime pool, RouteCache cache) {
        return new Route(null, pool, RewriteConfig.NONE, null, null, AccessRule.OPEN, RouteLimits.NONE, 0, cache,
                null);
    }

    /** The cache of this route's requests, or null. */
    RouteCache cache() {
        return cache;
    }

    boolean matches(RequestFacts request) {
        return matcher == null || matcher.matches(request);
    }

    /** Where the route's requests go; null when it answers them itself. */
    PoolRuntime pool() {
        return pool;
    }

    /** Largest request body in bytes; 0 for no limit. */
    long bodyLimit() {
        return bodyLimit;
    }

    /** The per-client counters of this route; null without per-client limits. */
    ClientLimiter limiter() {
        return limiter;
    }

    /** Who may use this route (after the listener's access). */
    AccessRule access() {
        return access;
    }

    /** The edits of responses to this route's requests; {@link HeaderEdits#NONE} for none. */
    HeaderEdits responseEdits() {
        return responseEdits;
    }

    /**
     * Rewrites the path and headers of a request this route sends to its pool,
     * after the forwarding headers are set; {@code facts} are the request as it came.
     */
    void rewrite(HttpRequest request, RequestFacts facts, Template.Values values) {
        String from = rewrite.pathFrom();
        if (from != null && facts.pathLength() >= from.length() && facts.uri.startsWith(from, facts.pathStart)) {
            String rest = facts.uri.substring(facts.pathStart + from.length(), facts.pathEnd);
            String path = rewrite.strip() ? (rest.startsWith("/") ? rest : "/" + rest) : rewrite.pathTo() + rest;
            request.setUri(path + facts.uri.substring(facts.pathEnd));
        }
        if (!requestEdits.isEmpty()) {
            requestEdits.apply(request.headers(), values);
        }
    }

    /** Whether this route answers its requests itself (redirect or respond). */
    boolean answersItself() {
        return pool == null;
    }

    /** The answer of a route that {@link #answersItself()}; the caller adds the connection's headers. */
    FullHttpResponse answer(Template.Values values) {
        if (redirect != null) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(redirect.status()), Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.LOCATION, redirect.location().expand(values))
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            return r;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(respond.status()), Unpooled.wrappedBuffer(respondBody));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, respond.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, respondBody.length);
        return r;
    }
}
