package io.tandem.server.cache;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.cache.EsiTemplate;
import io.tandem.core.cache.Freshness;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One stored response: its head as the bytes every hit starts with, its body
 * in one off-heap buffer of the pooled allocator, and what the cache needs to
 * decide about it (lifetimes, validators, the request values it varies on,
 * its tags). Immutable but for its reference count.
 *
 * <p>References: every {@link Variants} that holds the object holds one, and a
 * hit takes one ({@link #tryRetain}) for as long as it copies the body's
 * reference (a retained duplicate goes to the socket). The body is released
 * when the count reaches zero. The count is the object's own, not the body's,
 * so that a hit that lost the race against an eviction sees 0 and misses:
 * a released pooled buffer may already belong to someone else.
 *
 * @param headers          the header fields kept (those {@code head} holds)
 * @param head             status line and header lines, each ending in CRLF, without the empty line and
 *                         without Age, X-Cache, Content-Length, Connection and X-Request-Id
 * @param notModifiedHead  the same for a 304 answer to a client's conditional request
 * @param varyValues       the request's values of the response's {@code Vary} headers, in {@code varyNames} order
 * @param storedAt         the cache clock (nanoseconds) when the response was stored or last revalidated
 */
public final class CachedObject {

    private final int status;
    private final HttpHeaders headers;
    private final byte[] head;
    private final byte[] notModifiedHead;
    private final ByteBuf body;
    private final Freshness freshness;
    private final long storedAt;
    private final String etag;
    private final String lastModified;
    private final List<String> varyNames;
    private final List<String> varyValues;
    private final List<String> tags;
    private final EsiTemplate esi;
    private final AtomicInteger refs = new AtomicInteger(1);

    public CachedObject(int status, HttpHeaders headers, byte[] head, byte[] notModifiedHead, ByteBuf body, Freshness freshness,
                        long storedAt, String etag, String lastModified, List<String> varyNames,
                        List<String> varyValues, List<String> tags) {
        this(status, headers, head, notModifiedHead, body, freshness, storedAt, etag, lastModified, varyNames,
                varyValues, tags, null);
    }

    /** @param esi the page's ESI, or null when it goes out as it is */
    public CachedObject(int status, HttpHeaders headers, byte[] head, byte[] notModifiedHead, ByteBuf body,
                        Freshness freshness, long storedAt, String etag, String lastModified, List<String> varyNames,
                        List<String> varyValues, List<String> tags, EsiTemplate esi) {
        this.esi = esi;
        this.status = status;
        this.headers = headers;
        this.head = head;
        this.notModifiedHead = notModifiedHead;
        this.body = body;
        this.freshness = freshness;
        this.storedAt = storedAt;
        this.etag = etag;
        this.lastModified = lastModified;
        this.varyNames = List.copyOf(varyNames);
        this.varyValues = List.copyOf(varyValues);
        this.tags = List.copyOf(tags);
    }

    public int status() {
        return status;
    }

    /** The stored header fields (read only: shared by every hit), which a 304 refresh merges into. */
    public HttpHeaders headers() {
        return headers;
    }

    public byte[] head() {
        return head;
    }

    public byte[] notModifiedHead() {
        return notModifiedHead;
    }

    /** The body; use it only between a successful {@link #tryRetain} and the matching {@link #release}. */
    public ByteBuf body() {
        return body;
    }

    public Freshness freshness() {
        return freshness;
    }

    public long storedAt() {
        return storedAt;
    }

    public String etag() {
        return etag;
    }

    public String lastModified() {
        return lastModified;
    }

    public List<String> varyNames() {
        return varyNames;
    }

    public List<String> varyValues() {
        return varyValues;
    }

    public List<String> tags() {
        return tags;
    }

    /** The page's ESI (assembled on each answer), or null when it goes out as it is. */
    public EsiTemplate esi() {
        return esi;
    }

    /** Bytes this object occupies: what the store's memory bound counts. */
    public long weight() {
        return body.capacity() + head.length + notModifiedHead.length + 256L;
    }

    /** Takes a reference unless the object was already let go; false: treat it as absent. */
    public boolean tryRetain() {
        for (;;) {
            int r = refs.get();
            if (r == 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Gives a reference back; the last one releases the body. */
    public void release() {
        if (refs.decrementAndGet() == 0) {
            body.release();
        }
    }

    /**
     * The object a 304 from the backend makes of this one (RFC 9111 section
     * 4.3.4): the new head and lifetimes, the same body (shared, with a
     * reference of its own).
     */
    public CachedObject refreshed(HttpHeaders newHeaders, byte[] newHead, byte[] newNotModifiedHead,
                                  Freshness newFreshness, long now, String newEtag, String newLastModified) {
        body.retain();
        return new CachedObject(status, newHeaders, newHead, newNotModifiedHead, body, newFreshness, now,
                newEtag == null ? etag : newEtag, newLastModified == null ? lastModified : newLastModified,
                varyNames, varyValues, tags, esi);
    }
}
