package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.cache.Freshness;
import io.tandem.core.cache.StoreDecision;
import io.tandem.core.cache.StoreRules;
import io.tandem.core.pool.Backend;
import io.tandem.server.Buffers;
import io.tandem.server.NetErrors;
import io.tandem.server.cache.CachedObject;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.cache.InFlight;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A fetch the cache makes on its own, with no client waiting on the bytes:
 * the background refresh of an object served stale within its grace, and the
 * revalidation of a stale object (conditional, with its {@code ETag} and
 * {@code Last-Modified}) that a client and the requests coalesced behind it
 * wait for. It goes through the route's pool like an exchange: the pool's
 * strategy picks the backend, the connection comes from the loop's keep-alive
 * pool and goes back to it, passive health hears the answer. It reads the
 * whole response (up to the cache's max-object) before deciding.
 *
 * <p>A 304 refreshes the stored object; a storable answer replaces it; an
 * answer that may not be stored removes it and is handed to the leading
 * request alone; a 5xx, a refused connection or a timeout is a failure, after
 * which the stale object may stand in ({@code stale-if-error}).
 *
 * <p>Confined to the event loop of the client connection that started it.
 */
final class CacheFetch implements ResponseListener {

    /** What the fetch leaves to the request that led it. */
    interface Done {
        /**
         * @param serve  the object to answer with (retained for the callee), or null
         * @param failed the backends failed (connect, timeout, 5xx): a stale object may stand in
         */
        void fetched(CachedObject serve, boolean failed);
    }

    private final HttpCache cache;
    private final String key;
    private final String uri;
    private final HttpHeaders requestHeaders;
    private final Function<String, String> varyValues;
    private final CachedObject stale;
    private final PoolRuntime pool;
    private final ClientConnection client;
    private final EventLoop loop;
    private final InFlight flight;
    private final Done done;
    private final BackendChoice choice = new BackendChoice();
    private Backend backend;
    private boolean counted;
    private BackendConnection connection;
    private boolean reused;
    private boolean retried;
    private boolean interim;
    private int status;
    private HttpHeaders headers;
    private boolean keepAlive;
    private String surrogate;
    private ByteBuf body;
    private boolean tooBig;
    private boolean ended;
    private ScheduledFuture<?> timeout;

    /**
     * @param stale  the stored object to revalidate, retained for this fetch (released at its end), or null
     * @param flight the fetch's entry in the cache's in-flight table, ended here (null: none, an ESI fragment
     *               another request fetches too)
     * @param done   the leading request's callback, or null for a background refresh
     */
    CacheFetch(HttpCache cache, String key, String uri, HttpHeaders request, CachedObject stale, PoolRuntime pool,
               ClientConnection client, InFlight flight, Done done) {
        this.cache = cache;
        this.key = key;
        this.uri = uri;
        this.stale = stale;
        this.pool = pool;
        this.client = client;
        this.loop = client.channel().eventLoop();
        this.flight = flight;
        this.done = done;
        HttpHeaders h = new DefaultHttpHeaders(false).set(request);
        for (CharSequence n : new CharSequence[] {HttpHeaderNames.IF_NONE_MATCH, HttpHeaderNames.IF_MODIFIED_SINCE,
                HttpHeaderNames.IF_MATCH, HttpHeaderNames.IF_UNMODIFIED_SINCE, HttpHeaderNames.IF_RANGE,
                HttpHeaderNames.RANGE, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING}) {
            h.remove(n);
        }
        if (stale != null && stale.etag() != null) {
            h.set(HttpHeaderNames.IF_NONE_MATCH, stale.etag());
        }
        if (stale != null && stale.lastModified() != null) {
            h.set(HttpHeaderNames.IF_MODIFIED_SINCE, stale.lastModified());
        }
        this.requestHeaders = h;
        this.varyValues = name -> request.get(name);
    }

    void start() {
        choice.begin(pool, client.requestContext());
        Backend next = choice.next();
        if (next == null) {
            end(null, true);
            return;
        }
        use(next, false);
    }

    private void use(Backend next, boolean fresh) {
        backend = next;
        backend.requestStarted();
        counted = true;
        PrivateConnections own = pool.settings().proxyProtocol() == null ? null : client.privateConnections();
        BackendConnection idle = null;
        if (!fresh) {
            if (own == null) {
                idle = client.connector().pooled(next);
            } else {
                Channel ch = own.poll(next);
                idle = ch == null ? null : BackendConnection.of(ch);
            }
        }
        if (idle != null) {
            send(idle, true);
            return;
        }
        client.connector().open(next, pool.settings(), pool.meters().of(next), loop, own)
                .addListener((ChannelFuture f) -> {
                    if (ended) {
                        if (f.isSuccess()) {
                            f.channel().close();
                        }
                    } else if (f.isSuccess()) {
                        send(BackendConnection.of(f.channel()), false);
                    } else {
                        pool.health().connectionFailed(next, NetErrors.describe(f.cause()));
                        end(null, true);
                    }
                });
    }

    private void send(BackendConnection c, boolean wasPooled) {
        connection = c;
        reused = wasPooled;
        c.bind(this, false, false);
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri,
                Unpooled.EMPTY_BUFFER, new DefaultHttpHeaders(false).set(requestHeaders), EmptyHttpHeaders.INSTANCE);
        c.channel().writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                backendClosed(f.cause());
            }
        });
        timeout = loop.schedule(this::timedOut, pool.settings().responseTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void response(HttpObject msg) {
        try {
            if (ended) {
                return;
            }
            if (msg.decoderResult().isFailure()) {
                backendClosed(msg.decoderResult().cause());
                return;
            }
            if (msg instanceof HttpResponse) {
                head((HttpResponse) msg);
            }
            if (msg instanceof HttpContent) {
                if (interim) {
                    interim = !(msg instanceof LastHttpContent);
                    return;
                }
                content((HttpContent) msg);
                if (msg instanceof LastHttpContent) {
                    finished();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(HttpResponse r) {
        int code = r.status().code();
        if (code < 200) {
            interim = true;
            return;
        }
        status = code;
        headers = r.headers();
        keepAlive = HttpUtil.isKeepAlive(r);
        pool.health().responded(backend, code);
        surrogate = StoredResponse.joined(headers, StoredResponse.SURROGATE_CONTROL);
        long length = HttpUtil.getContentLength(r, -1L);
        long max = cache.settings().config().maxObject();
        if (code == 304 || code >= 500) {
            return;
        }
        if (length > max) {
            tooBig = true;
        } else {
            body = Buffers.ALLOCATOR.directBuffer((int) (length >= 0 ? length : Math.min(max, 8192)));
        }
    }

    private void content(HttpContent c) {
        if (body == null) {
            return;
        }
        ByteBuf part = c.content();
        if (body.readableBytes() + (long) part.readableBytes() > cache.settings().config().maxObject()) {
            body.release();
            body = null;
            tooBig = true;
            return;
        }
        body.writeBytes(part, part.readerIndex(), part.readableBytes());
    }

    private void finished() {
        cancelTimeout();
        BackendConnection c = connection;
        connection = null;
        c.release(keepAlive);
        releaseBackend();
        long now = cache.now();
        HttpCache.Settings settings = cache.settings();
        if (status == 304 && stale != null) {
            HttpHeaders merged = StoredResponse.merged(stale.headers(), headers);
            StoreDecision d = StoreRules.decide(StoredResponse.facts(stale.status(), merged, surrogate),
                    settings.defaults(), cache.wallNow());
            CachedObject fresh = stale.refreshed(merged, StoredResponse.head(stale.status(), merged),
                    StoredResponse.notModifiedHead(merged), d.stores() ? d.freshness() : stale.freshness(), now,
                    merged.get(HttpHeaderNames.ETAG), merged.get(HttpHeaderNames.LAST_MODIFIED));
            if (d.stores()) {
                fresh.tryRetain();
                cache.store(key, fresh);
            } else {
                cache.purge(key);
                cache.markHitForMiss(key);
            }
            end(fresh, false);
        } else if (status >= 500 || status == 304) {
            end(null, true);
        } else if (tooBig || body == null) {
            cache.purge(key);
            cache.markHitForMiss(key);
            end(null, false);
        } else {
            StoreDecision d = StoreRules.decide(StoredResponse.facts(status, headers, surrogate), settings.defaults(),
                    cache.wallNow());
            CachedObject o = StoredResponse.object(status, headers, body, d.stores() ? d.freshness()
                    : new Freshness(0, 0, 0, 0, false), now, varyValues,
                    StoredResponse.esi(settings.config().esi(), surrogate));
            body = null;
            if (d.stores()) {
                o.tryRetain();
                cache.store(key, o);
            } else {
                cache.purge(key);
                cache.markHitForMiss(key);
            }
            end(o, false);
        }
    }

    @Override
    public void backendClosed(Throwable cause) {
        if (ended) {
            return;
        }
        closeConnection();
        if (reused && status == 0 && !retried) {
            // A pooled connection the backend had closed: the backend never saw the request.
            retried = true;
            releaseBackend();
            use(backend, true);
            return;
        }
        pool.health().connectionFailed(backend, "cache fetch: " + NetErrors.describe(cause));
        end(null, true);
    }

    private void timedOut() {
        if (!ended) {
            closeConnection();
            end(null, true);
        }
    }

    private void closeConnection() {
        cancelTimeout();
        BackendConnection c = connection;
        connection = null;
        if (c != null) {
            c.unbind();
            c.channel().close();
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private void releaseBackend() {
        if (counted) {
            counted = false;
            backend.requestEnded();
        }
    }

    private void end(CachedObject serve, boolean failed) {
        ended = true;
        releaseBackend();
        if (body != null) {
            body.release();
            body = null;
        }
        if (stale != null) {
            stale.release();
        }
        if (flight != null) {
            cache.endFetch(key, flight, !failed);
        }
        if (done != null) {
            done.fetched(serve, failed);
        } else if (serve != null) {
            serve.release();
        }
    }

    @Override
    public void response(RawResponse response) {
        response.release();
    }

    @Override
    public void responseBody(RawBody part) {
        part.release();
    }

    @Override
    public void readComplete() {
    }

    @Override
    public void backendWritabilityChanged() {
    }
}
