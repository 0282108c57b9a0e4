package io.tandem.server.proxy;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.tandem.core.pool.Backend;
import io.tandem.server.metrics.BackendMeters;

/**
 * What an exchange records as it goes, and writes once at its end: the
 * request meters (of the backend that answered, or the pool's count of
 * Tandem's own answers) and the access-log line with its timings (connect,
 * first byte, total), the request body bytes and the attempts. Without an
 * access log the clock is read only for the total the meters need.
 *
 * <p>One per exchange; confined to the client channel's event loop.
 */
final class ExchangeRecord {

    /** How an exchange ended: which meter counts it. */
    enum Ending { ANSWERED, LOCAL_ANSWER, CLIENT_LEFT }

    private final ClientConnection client;
    private final HttpRequest request;
    private final PoolRuntime pool;
    private final int listenerIndex;
    private final AccessLog accessLog;
    /** The client's protocol (the request itself goes on as HTTP/1.1). */
    private final String protocol;
    private final String requestId;
    private final long startNanos = System.nanoTime();
    /** Whether the access log wants the timings below; without it the clock is not read for them. */
    private final boolean timed;
    private long bytesIn;
    private int attempts;
    private long attemptStartNanos;
    private long connectNanos = -1;
    private long firstByteNanos = -1;

    ExchangeRecord(ClientConnection client, HttpRequest request, PoolRuntime pool, Routing routing,
                   String requestId) {
        this.client = client;
        this.request = request;
        this.pool = pool;
        this.listenerIndex = routing.listenerIndex();
        this.accessLog = routing.accessLog();
        this.timed = accessLog != AccessLog.OFF;
        this.protocol = client.requestProtocol();
        this.requestId = requestId;
        if (request instanceof FullHttpRequest) {
            bytesIn = ((FullHttpRequest) request).content().readableBytes();
        }
    }

    String protocol() {
        return protocol;
    }

    /** {@code bytes} more of the request body came from the client. */
    void requestBytes(int bytes) {
        bytesIn += bytes;
    }

    /** An attempt begins: its connect time is measured from now. */
    void attemptBegins() {
        attempts++;
        if (timed) {
            attemptStartNanos = System.nanoTime();
            connectNanos = -1;
        }
    }

    /** The attempt has its connection: a pooled one ({@code reused}) took no time to connect. */
    void connected(boolean reused) {
        if (timed) {
            connectNanos = reused ? 0 : System.nanoTime() - attemptStartNanos;
        }
    }

    /** The final response's head arrived. */
    void firstByte() {
        if (timed) {
            firstByteNanos = System.nanoTime() - startNanos;
        }
    }

    /**
     * Counts the exchange where {@code how} says and writes its access-log line: {@code code} the status the
     * client got, {@code bytes} the response body bytes, {@code backend} the last one tried (null: none) with
     * its {@code meters}, {@code cache} the cache's outcome (null off a cached route).
     */
    void write(int code, long bytes, Ending how, Backend backend, BackendMeters meters, String cache) {
        long nanos = System.nanoTime() - startNanos;
        if (how == Ending.ANSWERED && meters != null) {
            meters.requests(listenerIndex).record(code, nanos);
        } else if (how == Ending.LOCAL_ANSWER) {
            pool.meters().localAnswer(listenerIndex, code);
        }
        if (timed) {
            AccessEntry e = AccessEntry.of(client, request, protocol);
            e.status = code;
            e.bytesIn = bytesIn;
            e.bytesOut = bytes;
            e.pool = pool.name();
            e.backend = backend == null ? null : backend.id();
            e.connectNanos = connectNanos;
            e.firstByteNanos = firstByteNanos;
            e.totalNanos = nanos;
            e.retries = Math.max(0, attempts - 1);
            e.requestId = requestId;
            e.cache = cache;
            accessLog.log(e);
        }
    }
}
