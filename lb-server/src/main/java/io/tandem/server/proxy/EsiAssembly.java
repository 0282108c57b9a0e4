package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.tandem.core.cache.EsiTemplate;
import io.tandem.core.cache.Freshness;
import io.tandem.server.cache.CachedObject;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.cache.InFlight;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Writes an ESI page to its client as it is assembled: the head at once
 * (chunked, or close-delimited to an HTTP/1.0 client), then each literal run
 * of the page and each included fragment in order, the moment everything
 * before it went out. A fragment is looked up in the page's cache under its
 * own URL and, when absent or stale, fetched through the page's pool with a
 * {@link CacheFetch} (and stored on its own when it may be); a fragment with
 * ESI of its own is assembled in place, at most {@link #MAX_DEPTH} deep. An
 * include that fails (no answer, a 4xx or 5xx) tries its {@code alt}, then is
 * left out with {@code onerror="continue"}; otherwise the page is cut off
 * there and the connection closed (the head is gone: nothing else tells the
 * client).
 *
 * <p>Confined to the client connection's event loop.
 */
final class EsiAssembly {

    /** How deep includes may nest (Varnish's default {@code max_esi_depth} is 5). */
    static final int MAX_DEPTH = 5;

    /** One page or fragment being written: its object, its segments, and how far it is. */
    private static final class Frame {
        final CachedObject object;
        final List<EsiTemplate.Segment> segments;
        final int depth;
        int next;

        Frame(CachedObject object, int depth) {
            this.object = object;
            this.segments = object.esi().segments();
            this.depth = depth;
        }
    }

    private final HttpCache cache;
    private final String host;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final ClientConnection client;
    private final Exchange exchange;
    private final String xCache;
    private final Channel channel;
    private final ArrayDeque<Frame> frames = new ArrayDeque<>(MAX_DEPTH + 1);
    private int status;
    private long bytes;
    private boolean keep;

    /** @param xCache the X-Cache value of the page, or null without one */
    EsiAssembly(HttpCache cache, String host, HttpRequest request, PoolRuntime pool, ClientConnection client,
                Exchange exchange, String xCache) {
        this.cache = cache;
        this.host = host;
        this.request = request;
        this.pool = pool;
        this.client = client;
        this.exchange = exchange;
        this.xCache = xCache;
        this.channel = client.channel();
    }

    /** Starts with {@code page} (whose reference this takes over). */
    void start(CachedObject page) {
        status = page.status();
        keep = exchange.keepClient() && !exchange.clientHttp10();
        HttpHeaders h = new DefaultHttpHeaders(false).set(page.headers());
        // The assembled page is not the bytes the page's validators name.
        h.remove(HttpHeaderNames.ETAG);
        h.remove(HttpHeaderNames.LAST_MODIFIED);
        h.set(HttpHeaderNames.AGE, Long.toString(page.freshness().ageSeconds(cache.now() - page.storedAt())));
        if (xCache != null) {
            h.set(StoredResponse.X_CACHE, xCache);
        }
        h.set(ForwardedHeaders.X_REQUEST_ID, exchange.requestId());
        if (exchange.hsts() != null && !h.contains(ResponseHead.STRICT_TRANSPORT_SECURITY)) {
            h.set(ResponseHead.STRICT_TRANSPORT_SECURITY, exchange.hsts());
        }
        if (exchange.clientHttp10()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            if (!keep) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        channel.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h),
                channel.voidPromise());
        if (request.method().name().equals("HEAD")) {
            page.release();
            end(false);
            return;
        }
        frames.push(new Frame(page, 0));
        next();
    }

    /** Writes what is ready, up to the next fragment that must be fetched. */
    private void next() {
        while (true) {
            if (exchange.ended()) {
                releaseFrames();
                return;
            }
            Frame f = frames.peek();
            if (f == null) {
                end(false);
                return;
            }
            if (f.next == f.segments.size()) {
                frames.pop().object.release();
                continue;
            }
            EsiTemplate.Segment s = f.segments.get(f.next++);
            if (s instanceof EsiTemplate.Literal) {
                EsiTemplate.Literal l = (EsiTemplate.Literal) s;
                write(f.object.body().retainedSlice(l.start(), l.end() - l.start()));
                continue;
            }
            EsiTemplate.Include include = (EsiTemplate.Include) s;
            if (f.depth + 1 > MAX_DEPTH) {
                if (!include.continueOnError()) {
                    end(true);
                    return;
                }
                continue;
            }
            CachedObject hit = lookup(include.src());
            if (hit == null) {
                fetch(include, include.src(), false);
                return;
            }
            if (!use(hit, include, f.depth + 1)) {
                return;
            }
        }
    }

    /** A fresh (or in-grace) stored fragment, retained, or null. */
    private CachedObject lookup(String src) {
        CachedObject o = cache.lookup(key(src), request.headers()::get);
        if (o != null && o.freshness().state(cache.now() - o.storedAt()) == Freshness.State.STALE) {
            o.release();
            return null;
        }
        return o;
    }

    private void fetch(EsiTemplate.Include include, String src, boolean alt) {
        String key = key(src);
        HttpHeaders headers = new DefaultHttpHeaders(false).set(request.headers());
        String fragmentHost = hostOf(src);
        if (fragmentHost != null) {
            headers.set(HttpHeaderNames.HOST, fragmentHost);
        }
        InFlight flight = cache.beginFetch(key);
        new CacheFetch(cache, key, pathOf(src), headers, null, pool, client, flight,
                (serve, failed) -> fetched(include, alt, serve)).start();
    }

    private void fetched(EsiTemplate.Include include, boolean alt, CachedObject fragment) {
        if (exchange.ended()) {
            if (fragment != null) {
                fragment.release();
            }
            releaseFrames();
            return;
        }
        if (fragment == null || fragment.status() >= 400) {
            if (fragment != null) {
                fragment.release();
            }
            if (!alt && include.alt() != null) {
                CachedObject hit = lookup(include.alt());
                if (hit == null) {
                    fetch(include, include.alt(), true);
                    return;
                }
                fragment = hit;
            } else if (include.continueOnError()) {
                next();
                return;
            } else {
                end(true);
                return;
            }
        }
        if (use(fragment, include, frames.peek().depth + 1)) {
            next();
        }
    }

    /** Writes a fragment, or descends into it; false when the page was cut off here. */
    private boolean use(CachedObject fragment, EsiTemplate.Include include, int depth) {
        if (fragment.status() >= 400) {
            fragment.release();
            if (include.continueOnError()) {
                return true;
            }
            end(true);
            return false;
        }
        if (fragment.esi() != null) {
            frames.push(new Frame(fragment, depth));
            return true;
        }
        write(fragment.body().retainedDuplicate());
        fragment.release();
        return true;
    }

    private void write(ByteBuf part) {
        if (!part.isReadable()) {
            part.release();
            return;
        }
        bytes += part.readableBytes();
        channel.writeAndFlush(new DefaultHttpContent(part), channel.voidPromise());
    }

    private void end(boolean cut) {
        releaseFrames();
        if (!cut) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
        }
        exchange.cacheAnswerEnded(status, bytes, keep && !cut, cut);
    }

    private void releaseFrames() {
        Frame f;
        while ((f = frames.poll()) != null) {
            f.object.release();
        }
    }

    /** The cache key of an include: its own host when absolute, else the page's. */
    private String key(String src) {
        String h = hostOf(src);
        return h != null ? HttpCache.key(h, pathOf(src)) : host + pathOf(src);
    }

    private static String hostOf(String src) {
        int scheme = src.indexOf("://");
        if (scheme < 0) {
            return null;
        }
        int slash = src.indexOf('/', scheme + 3);
        return slash < 0 ? src.substring(scheme + 3) : src.substring(scheme + 3, slash);
    }

    private static String pathOf(String src) {
        int scheme = src.indexOf("://");
        if (scheme < 0) {
            return src.startsWith("/") ? src : "/" + src;
        }
        int slash = src.indexOf('/', scheme + 3);
        return slash < 0 ? "/" : src.substring(slash);
    }
}
