package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.NetUtil;
import io.tandem.config.Template;
import io.tandem.core.cache.Conditional;
import io.tandem.core.cache.Freshness;
import io.tandem.core.cache.RequestRules;
import io.tandem.core.cache.StoreDecision;
import io.tandem.core.cache.StoreRules;
import io.tandem.server.Buffers;
import io.tandem.server.cache.CacheMeters.Outcome;
import io.tandem.server.cache.CachedObject;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.cache.InFlight;
import io.tandem.server.cache.SharedTier;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The cache's part in one {@link Exchange} of a cached route, between route
 * selection and the backend: it decides whether the request is looked up or
 * passes, answers hits (and conditional requests, 304) from the store, serves
 * stale objects within grace while a {@link CacheFetch} refreshes them, makes
 * concurrent misses of one URL wait for one backend request (bounded by the
 * cache's {@code coalesce-wait}), and, on the way back, stores the response
 * the exchange streams to the client (the first client gets the bytes as they
 * come; the copy for the store is made before each part is written) or marks
 * it hit-for-miss.
 *
 * <p>The exchange asks it at {@link #start} (go to the backend now, or not),
 * hands it the response head and body parts on the object path, and tells it
 * the response {@link #completed} and that the exchange {@link #ended}.
 *
 * <p>Confined to the client connection's event loop; the in-flight table and
 * the store are the cache's (thread-safe), and a waiter is woken on its loop
 * through {@code execute}.
 */
final class CacheFront {

    private static final byte[] AGE = "age: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] X_CACHE = "x-cache: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] X_REQUEST_ID = "x-request-id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HSTS = "strict-transport-security: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpCache cache;
    private final HttpCache.Settings settings;
    private final RouteCache route;
    private final Exchange exchange;
    private final ClientConnection client;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final String method;
    private final String key;
    /** The request's host as keys have it (lowercase, no port). */
    private final String host;
    private Outcome outcome;
    /** The fetch this request leads: its miss goes to the backend and the others wait for it. */
    private InFlight leading;
    private boolean waiting;
    /** This request waited for another's fetch, and whether that fetch succeeded. */
    private boolean waited;
    private boolean waitSucceeded;
    /** The response is being copied for the store. */
    private boolean storing;
    private StoreDecision decision;
    private int status;
    private HttpHeaders responseHeaders;
    private ByteBuf body;
    /** The response is read for ESI: held back from the client, then assembled ({@link #deliver}). */
    private boolean intercepting;
    private boolean esi;
    private boolean tooLarge;
    private boolean backendKeepAlive;
    /** The object an intercepted response became, to answer with. */
    private CachedObject toDeliver;

    CacheFront(RouteCache route, Exchange exchange, ClientConnection client, HttpRequest request, PoolRuntime pool) {
        this.route = route;
        this.cache = route.cache();
        this.settings = cache.settings();
        this.exchange = exchange;
        this.client = client;
        this.request = request;
        this.pool = pool;
        this.method = request.method().name();
        Template.Values values = client.requestValues();
        this.host = HttpCache.key(values.value(Template.Variable.HOST), "");
        this.key = host + values.value(Template.Variable.URI);
    }

    /** The outcome so far (for the access log), or null. */
    String outcome() {
        return outcome == null ? null : outcome.name();
    }

    /** Whether the exchange goes to the backend now; false: answered here, or waiting. */
    boolean start() {
        if (method.equals("PURGE")) {
            purge();
            return false;
        }
        HttpHeaders h = request.headers();
        String cookie = stripIgnoredCookies(h);
        boolean body = h.contains(HttpHeaderNames.TRANSFER_ENCODING)
                || HttpUtil.getContentLength(request, 0L) > 0;
        String pass = RequestRules.passReason(method, h.contains(HttpHeaderNames.AUTHORIZATION), body,
                h.contains(HttpHeaderNames.UPGRADE), cookie);
        if (pass != null) {
            outcome = Outcome.PASS;
            return true;
        }
        return find();
    }

    /** Removes the ignored cookies from the request; the rest of the {@code Cookie} value, or null. */
    private String stripIgnoredCookies(HttpHeaders h) {
        List<String> all = h.getAll(HttpHeaderNames.COOKIE);
        if (all.isEmpty()) {
            return null;
        }
        String joined = all.size() == 1 ? all.get(0) : String.join("; ", all);
        String kept = route.cookieFilter().strip(joined);
        if (kept == null) {
            h.remove(HttpHeaderNames.COOKIE);
        } else if (!kept.equals(joined)) {
            h.set(HttpHeaderNames.COOKIE, kept);
        }
        return kept;
    }

    private String requestHeader(String name) {
        return request.headers().get(name);
    }

    /** Looks the request up; true when it goes to the backend now. */
    private boolean find() {
        CachedObject o = cache.lookup(key, this::requestHeader);
        if (o != null) {
            long resident = cache.now() - o.storedAt();
            Freshness.State state = waited && waitSucceeded ? Freshness.State.FRESH : o.freshness().state(resident);
            switch (state) {
                case FRESH -> {
                    answer(o, Outcome.HIT);
                    return false;
                }
                case GRACE -> {
                    refreshInBackground(o);
                    answer(o, Outcome.STALE);
                    return false;
                }
                default -> {
                    if (waited) {
                        // The fetch this request waited for failed: stale-if-error, else the backend itself.
                        if (o.freshness().usableOnError(resident)) {
                            answer(o, Outcome.STALE);
                            return false;
                        }
                        o.release();
                    } else {
                        InFlight fetch = cache.beginFetch(key);
                        if (fetch != null) {
                            revalidate(o, fetch);
                            return false;
                        }
                        o.release();
                        if (await()) {
                            return false;
                        }
                    }
                }
            }
        } else if (!waited && !cache.hitForMiss(key) && method.equals("GET")) {
            leading = cache.beginFetch(key);
            if (leading == null && await()) {
                return false;
            }
            SharedTier tier = cache.shared();
            if (leading != null && tier != null) {
                askSharedTier(tier);
                return false;
            }
        }
        outcome = Outcome.MISS;
        storing = method.equals("GET");
        return true;
    }

    /**
     * A miss this request leads asks memcached before the backend: another
     * node may have stored the object. memcached down or slow (its request
     * timeout) reads as absent.
     */
    private void askSharedTier(SharedTier tier) {
        EventLoop loop = client.channel().eventLoop();
        tier.get(key, cache.wallNow(), cache.now()).whenComplete((loaded, e) -> loop.execute(() -> shared(loaded)));
    }

    private void shared(SharedTier.Loaded loaded) {
        CachedObject o = loaded == null ? null : loaded.object();
        if (exchange.ended()) {
            if (o != null) {
                o.release();
            }
            return;
        }
        boolean usable = o != null && !cache.bannedSince(key, o, loaded.storedWall())
                && o.varyValues().equals(varyValues(o.varyNames()))
                && o.freshness().state(0) == Freshness.State.FRESH;
        if (usable) {
            o.tryRetain();
            cache.storeHere(key, o);
            cache.endFetch(key, leading, true);
            leading = null;
            answer(o, Outcome.HIT);
            return;
        }
        if (o != null) {
            o.release();
        }
        outcome = Outcome.MISS;
        storing = true;
        exchange.toBackend();
    }

    /** This request's values of {@code names}, normalized as stored objects keep them. */
    private List<String> varyValues(List<String> names) {
        List<String> values = new java.util.ArrayList<>(names.size());
        for (String n : names) {
            values.add(io.tandem.core.cache.Vary.normalize(requestHeader(n)));
        }
        return values;
    }

    /** Waits for the fetch of {@code key} in flight; false when there is none any more. */
    private boolean await() {
        InFlight fetch = cache.inFlight(key);
        if (fetch == null) {
            return false;
        }
        EventLoop loop = client.channel().eventLoop();
        waiting = true;
        if (!fetch.await(ok -> loop.execute(() -> woken(ok)))) {
            waiting = false;
            return false;
        }
        cache.meters().coalesced();
        client.timer().arm(settings.config().coalesceWait().toNanos(), this::waitTimedOut);
        return true;
    }

    private void woken(boolean succeeded) {
        if (!waiting || exchange.ended()) {
            return;
        }
        waiting = false;
        waited = true;
        waitSucceeded = succeeded;
        client.timer().disarm();
        if (find()) {
            exchange.toBackend();
        }
    }

    private void waitTimedOut() {
        if (!waiting || exchange.ended()) {
            return;
        }
        waiting = false;
        waited = true;
        outcome = Outcome.MISS;
        storing = method.equals("GET");
        exchange.toBackend();
    }

    /** A stale object within grace: one background fetch refreshes it (none if one is under way). */
    private void refreshInBackground(CachedObject o) {
        InFlight fetch = cache.beginFetch(key);
        if (fetch != null && o.tryRetain()) {
            new CacheFetch(cache, key, request.uri(), request.headers(), o, pool, client, fetch, null).start();
        } else if (fetch != null) {
            cache.endFetch(key, fetch, false);
        }
    }

    /**
     * A stale object past its grace: this request leads a conditional fetch
     * and the others wait for it; it answers from what the fetch brings, or
     * from the stale object when the backends fail and stale-if-error allows.
     */
    private void revalidate(CachedObject stale, InFlight fetch) {
        stale.tryRetain();
        new CacheFetch(cache, key, request.uri(), request.headers(), stale, pool, client, fetch,
                (serve, failed) -> revalidated(stale, serve, failed)).start();
    }

    private void revalidated(CachedObject stale, CachedObject serve, boolean failed) {
        if (exchange.ended()) {
            stale.release();
            if (serve != null) {
                serve.release();
            }
            return;
        }
        if (serve != null) {
            stale.release();
            answer(serve, Outcome.MISS);
        } else if (failed && stale.freshness().usableOnError(cache.now() - stale.storedAt())) {
            answer(stale, Outcome.STALE);
        } else {
            stale.release();
            outcome = Outcome.MISS;
            storing = method.equals("GET");
            exchange.toBackend();
        }
    }

    /** Answers from {@code o} (whose reference this takes over): 200 and the rest, or 304 to a conditional request. */
    private void answer(CachedObject o, Outcome how) {
        outcome = how;
        if (o.esi() != null) {
            new EsiAssembly(cache, host, request, pool, client, exchange, settings.config().xCache() ? how.name()
                    : null).start(o);
            return;
        }
        HttpHeaders h = request.headers();
        boolean notModified = Conditional.notModified(h.get(HttpHeaderNames.IF_NONE_MATCH),
                h.get(HttpHeaderNames.IF_MODIFIED_SINCE), o.etag(), o.lastModified());
        int code = notModified ? 304 : o.status();
        boolean keep = exchange.keepClient();
        ByteBuf head = Buffers.ALLOCATOR.buffer(o.head().length + 192);
        head.writeBytes(notModified ? o.notModifiedHead() : o.head());
        line(head, AGE, Long.toString(o.freshness().ageSeconds(cache.now() - o.storedAt())));
        if (settings.config().xCache()) {
            line(head, X_CACHE, how.name());
        }
        line(head, X_REQUEST_ID, exchange.requestId());
        if (exchange.hsts() != null && !o.headers().contains(ResponseHead.STRICT_TRANSPORT_SECURITY)) {
            line(head, HSTS, exchange.hsts());
        }
        long length = o.body().readableBytes();
        boolean bodiless = notModified || code == 204 || method.equals("HEAD");
        if (!notModified && code != 204) {
            line(head, CONTENT_LENGTH, Long.toString(length));
        }
        if (!keep) {
            head.writeBytes(CLOSE);
        } else if (exchange.clientHttp10()) {
            head.writeBytes(KEEP_ALIVE);
        }
        head.writeByte('\r').writeByte('\n');
        ByteBuf content = bodiless ? Unpooled.EMPTY_BUFFER : o.body().retainedDuplicate();
        o.release();
        exchange.answerFromCache(new RawResponse(code, bodiless ? 0 : length, !keep, true, true, true, head,
                content), code, content.readableBytes(), keep);
    }

    private static void line(ByteBuf head, byte[] name, String value) {
        head.writeBytes(name);
        head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        head.writeByte('\r').writeByte('\n');
    }

    /**
     * {@code PURGE} of the request's URL (Varnish's convention): from a loopback
     * client, or with the admin token ({@code Authorization: Bearer}) when one
     * is set. 200 when something was removed, 404 when nothing was stored, 403.
     */
    private void purge() {
        outcome = Outcome.PASS;
        boolean allowed = cache.purgeAllowed(request.headers().get(HttpHeaderNames.AUTHORIZATION),
                isLoopback(client.requestContext().sourceAddress()));
        HttpResponseStatus code;
        String message;
        if (!allowed) {
            code = HttpResponseStatus.FORBIDDEN;
            message = "PURGE needs the admin token (Authorization: Bearer TOKEN) or a loopback client.";
        } else if (cache.purge(key)) {
            code = HttpResponseStatus.OK;
            message = "Purged " + key + ".";
        } else {
            code = HttpResponseStatus.NOT_FOUND;
            message = "Not in the cache: " + key + ".";
        }
        boolean keep = exchange.keepClient();
        FullHttpResponse answer = ErrorResponses.response(code, message, !keep, null, exchange.requestId());
        exchange.answerFromCache(answer, code.code(), answer.content().readableBytes(), keep);
    }

    private static boolean isLoopback(byte[] address) {
        if (address == null) {
            return false;
        }
        if (address.length == 4) {
            return address[0] == 127;
        }
        return java.util.Arrays.equals(address, NetUtil.LOCALHOST6.getAddress());
    }

    /**
     * The final response head from the backend, before it goes to the client
     * (object path). True when the response is held back to be assembled
     * (ESI): then the exchange hands over the body and calls {@link #deliver}.
     */
    boolean responseHead(HttpResponse response) {
        HttpHeaders h = response.headers();
        int code = response.status().code();
        String surrogate = StoredResponse.joined(h, StoredResponse.SURROGATE_CONTROL);
        h.remove(StoredResponse.SURROGATE_CONTROL);
        long length = HttpUtil.getContentLength(response, -1L);
        long max = settings.config().maxObject();
        if (outcome == Outcome.PASS) {
            if (RequestRules.invalidates(method, code)) {
                cache.purge(key);
            }
        } else if (method.equals("GET") && StoredResponse.esi(settings.config().esi(), surrogate)
                && !h.contains(HttpHeaderNames.CONTENT_ENCODING) && length <= max) {
            // An ESI page: read whole, stored if it may be, and assembled for this client.
            decision = StoreRules.decide(StoredResponse.facts(code, h, surrogate), settings.defaults(),
                    cache.wallNow());
            storing &= decision.stores();
            if (!decision.stores() && code < 500) {
                cache.markHitForMiss(key);
            }
            intercepting = true;
            esi = true;
            backendKeepAlive = HttpUtil.isKeepAlive(response);
            status = code;
            responseHeaders = StoredResponse.kept(h);
            body = Buffers.ALLOCATOR.directBuffer((int) (length >= 0 ? length : Math.min(max, 8192)));
            return true;
        } else if (storing) {
            decision = StoreRules.decide(StoredResponse.facts(code, h, surrogate), settings.defaults(),
                    cache.wallNow());
            if (decision.stores() && length <= max) {
                status = code;
                responseHeaders = StoredResponse.kept(h);
                body = Buffers.ALLOCATOR.directBuffer((int) (length >= 0 ? length : Math.min(max, 8192)));
            } else {
                storing = false;
                if (code < 500) {
                    cache.markHitForMiss(key);
                }
            }
        }
        if (settings.config().xCache() && outcome != null) {
            h.set(StoredResponse.X_CACHE, outcome.name());
        }
        return false;
    }

    /** Whether the exchange's connection to the backend may be kept after a held-back response. */
    boolean backendKeepAlive() {
        return backendKeepAlive;
    }

    /**
     * The held-back response ended ({@link #completed} ran): the client gets
     * it assembled, or the connection is cut when it was over max-object.
     */
    void deliver() {
        CachedObject o = toDeliver;
        toDeliver = null;
        if (o == null) {
            exchange.cacheAnswerEnded(status, 0, false, true);
            return;
        }
        answer(o, Outcome.MISS);
    }

    /** A part of the response body, before it goes to the client. */
    void responseContent(HttpContent content) {
        if ((!storing && !intercepting) || body == null) {
            return;
        }
        ByteBuf part = content.content();
        if (body.readableBytes() + (long) part.readableBytes() > settings.config().maxObject()) {
            body.release();
            body = null;
            storing = false;
            tooLarge = true;
            cache.markHitForMiss(key);
            return;
        }
        body.writeBytes(part, part.readerIndex(), part.readableBytes());
    }

    /** The whole response went to the client: it is stored, and the requests waiting for it look again. */
    void completed() {
        boolean stored = false;
        if (intercepting && body != null) {
            CachedObject o = StoredResponse.object(status, responseHeaders, body, storing ? decision.freshness()
                    : new Freshness(0, 0, 0, 0, false), cache.now(), this::requestHeader, esi);
            body = null;
            if (storing) {
                o.tryRetain();
                cache.store(key, o);
                stored = true;
            }
            toDeliver = o;
        } else if (storing && body != null) {
            CachedObject o = StoredResponse.object(status, responseHeaders, body, decision.freshness(), cache.now(),
                    this::requestHeader, false);
            body = null;
            cache.store(key, o);
            stored = true;
        }
        storing = false;
        if (leading != null) {
            cache.endFetch(key, leading, stored);
            leading = null;
        }
    }

    /** The exchange ended, however: counted once; a copy not completed is dropped and the waiters are let go. */
    void ended() {
        if (body != null) {
            body.release();
            body = null;
        }
        if (toDeliver != null) {
            toDeliver.release();
            toDeliver = null;
        }
        storing = false;
        waiting = false;
        if (leading != null) {
            cache.endFetch(key, leading, false);
            leading = null;
        }
        if (outcome != null) {
            cache.meters().outcome(outcome);
        }
    }
}
