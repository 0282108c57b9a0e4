package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * The first reader of a backend connection. The common response, an HTTP/1.1
 * head with a Content-Length (or none needed: HEAD, 204, 304) and nothing a
 * proxy must interpret, is forwarded as bytes: its head is checked and copied
 * once, less its hop-by-hop lines, and its body is passed on in slices of the
 * bytes read. This spares the header object model: no String per header name
 * and value on the way in, no re-encoding on the way out.
 *
 * <p>Every other response goes, as bytes, to the {@link Fallback} decoder
 * behind this one, and from there to the proxy as Netty's HTTP objects:
 * interim (1xx) and 101 answers, HTTP/1.0, chunked and close-delimited
 * bodies, a Connection header naming other headers, and any head that is not
 * plainly well-formed (a bare LF or CR, a control character, obs-fold, a
 * second Content-Length, Transfer-Encoding, a head over the size limit). The
 * check is strict on purpose: a response it lets through as bytes is one that
 * every parser reads the same way; anything else gets the full decoder and its
 * errors, as before.
 *
 * <p>The proxy says what comes next with {@link #expect} before each request:
 * whether the request was HEAD, and whether its response may go as bytes
 * (not for an upgrade request, whose 101 needs the object path). Bytes that
 * arrive when no response is expected make the connection unusable: it is
 * closed.
 *
 * <p>Confined to the event loop of its channel.
 */
final class RawResponseDecoder extends ChannelInboundHandlerAdapter {

    /** Head bytes copied for the first look; most heads are much shorter. */
    private static final int FIRST_LOOK = 1024;
    /** Hop-by-hop lines dropped from one head at most; a head with more takes the full decoder. */
    private static final int MAX_DROPPED_LINES = 8;

    private static final int HEAD = 0;
    private static final int BODY = 1;
    private static final int PASS = 2;

    private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    /** RFC 9110 section 5.6.2: the characters of a token (a header name). */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    /**
     * One copy buffer per event loop thread for the heads it reads, as long as
     * the longest head accepted: a head that does not end within it takes the
     * full decoder, which rejects it.
     */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[BackendInitializer.MAX_RESPONSE_HEADER_SIZE];
        }
    };

    private int mode = HEAD;
    /** A response is awaited (or being read) for the request last sent. */
    private boolean expecting;
    private boolean headRequest;
    /** Body bytes still to come, in {@link #BODY} mode. */
    private long remaining;
    /** The start of a head that has not fully arrived yet. */
    private ByteBuf pending;

    // What parse() found in the head at hand.
    private int status;
    private long contentLength;
    private boolean close;
    private boolean hasRequestId;
    private boolean hasHsts;
    private final int[] dropped = new int[2 * MAX_DROPPED_LINES];
    private int droppedCount;

    /**
     * A request went out: its response comes next. {@code headRequest}: the
     * response has no body whatever it says; {@code raw}: it may be forwarded as
     * bytes.
     */
    void expect(boolean headRequest, boolean raw) {
        this.headRequest = headRequest;
        this.expecting = true;
        this.mode = raw ? HEAD : PASS;
    }

    /** Whether the request last sent was HEAD (for the {@link Fallback} decoder). */
    boolean headRequest() {
        return headRequest;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == PASS || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (pending != null) {
            ByteBuf merged = pending.writeBytes(in);
            pending = null;
            in.release();
            in = merged;
        }
        try {
            while (in != null && in.isReadable()) {
                if (mode == BODY) {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    remaining -= n;
                    boolean last = remaining == 0;
                    if (last) {
                        mode = HEAD;
                        expecting = false;
                    }
                    ctx.fireChannelRead(new RawBody(in.readRetainedSlice(n), last));
                } else if (mode == PASS) {
                    ByteBuf rest = in;
                    in = null;
                    ctx.fireChannelRead(rest);
                } else if (!expecting) {
                    // Bytes nobody asked for: the connection cannot carry another request.
                    in.skipBytes(in.readableBytes());
                    ctx.close();
                } else {
                    in = readHead(ctx, in);
                }
            }
        } finally {
            if (in != null) {
                in.release();
            }
        }
    }

    /**
     * Reads the head at the start of {@code in}: forwards it as a
     * {@link RawResponse}, or hands all of {@code in} to the fallback, or keeps
     * it until the rest of the head arrives. Returns what is left of {@code in}
     * for this handler, or null when it was passed on or kept.
     */
    private ByteBuf readHead(ChannelHandlerContext ctx, ByteBuf in) {
        byte[] a = SCRATCH.get();
        int readable = in.readableBytes();
        int n = Math.min(readable, FIRST_LOOK);
        in.getBytes(in.readerIndex(), a, 0, n);
        int end = headEnd(a, n);
        if (end == -1 && readable > n) {
            int more = Math.min(readable, a.length) - n;
            in.getBytes(in.readerIndex() + n, a, n, more);
            n += more;
            end = headEnd(a, n);
        }
        if (end == -1 && n < a.length) {
            // The head goes on in the next read.
            pending = ctx.alloc().buffer(Math.max(readable * 2, FIRST_LOOK));
            pending.writeBytes(in);
            in.release();
            return null;
        }
        if (end < 0 || !parse(a, end)) {
            mode = PASS;
            ctx.fireChannelRead(in);
            return null;
        }
        ByteBuf head = ctx.alloc().buffer(end + 128);
        int from = 0;
        for (int i = 0; i < droppedCount; i += 2) {
            head.writeBytes(a, from, dropped[i] - from);
            from = dropped[i + 1];
        }
        // Without the empty line: the proxy adds its lines, then ends the head.
        head.writeBytes(a, from, end - 2 - from);
        in.skipBytes(end);
        long length = headRequest || status == 204 || status == 304 ? 0 : contentLength;
        int now = (int) Math.min(length, in.readableBytes());
        ByteBuf body = now == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(now);
        remaining = length - now;
        boolean complete = remaining == 0;
        if (complete) {
            expecting = false;
        } else {
            mode = BODY;
        }
        ctx.fireChannelRead(new RawResponse(status, length, close, hasRequestId, hasHsts, complete, head, body));
        return in;
    }

    /**
     * The index just past the empty line ending the head in {@code a[0, n)};
     * -1 when it has not arrived; -2 at a line that does not end with CRLF.
     */
    static int headEnd(byte[] a, int n) {
        int lineStart = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] == '\n') {
                if (i == 0 || a[i - 1] != '\r') {
                    return -2;
                }
                if (i - 1 == lineStart) {
                    return i + 1;
                }
                lineStart = i + 1;
            }
        }
        return -1;
    }

    /**
     * Checks the head {@code a[0, end)} (which ends with CRLF CRLF, every line
     * with CRLF) and records what it says; false when it needs the full decoder.
     */
    boolean parse(byte[] a, int end) {
        close = false;
        hasRequestId = false;
        hasHsts = false;
        droppedCount = 0;
        contentLength = -1;
        if (end < HTTP_1_1.length + 5) {
            return false;
        }
        for (int i = 0; i < HTTP_1_1.length; i++) {
            if (a[i] != HTTP_1_1[i]) {
                return false;
            }
        }
        int p = HTTP_1_1.length;
        int code = 0;
        for (int i = 0; i < 3; i++) {
            int d = a[p + i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            code = code * 10 + d;
        }
        p += 3;
        if (code < 200 || code > 599 || (a[p] != ' ' && a[p] != '\r')) {
            return false;
        }
        status = code;
        int lineEnd = lineEnd(a, p);
        if (lineEnd < 0) {
            return false;
        }
        for (int line = lineEnd + 2; line < end - 2; line = lineEnd + 2) {
            lineEnd = lineEnd(a, line);
            if (lineEnd < 0 || !header(a, line, lineEnd)) {
                return false;
            }
        }
        return contentLength >= 0 || headRequest || status == 204 || status == 304;
    }

    /** The index of the CR ending the line at {@code from}; -1 if a control character comes first. */
    private static int lineEnd(byte[] a, int from) {
        for (int i = from; ; i++) {
            int b = a[i] & 0xff;
            if (b == '\r') {
                // headEnd() saw to it that every CR here is followed by LF, and every LF preceded by CR.
                return a[i + 1] == '\n' ? i : -1;
            }
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                return -1;
            }
        }
    }

    /** One header line {@code a[from, cr)}; false when it needs the full decoder. */
    private boolean header(byte[] a, int from, int cr) {
        int colon = from;
        while (colon < cr && TOKEN[a[colon] & 0xff]) {
            colon++;
        }
        // No name, or a name followed by anything but a colon (obs-fold starts with SP or HTAB).
        if (colon == from || colon == cr || a[colon] != ':') {
            return false;
        }
        int vs = skipOws(a, colon + 1, cr);
        int ve = trimOws(a, vs, cr);
        // A view of the name, not a copy: the hop-by-hop names are ForwardedHeaders' own list.
        AsciiString name = new AsciiString(a, from, colon - from, false);
        if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
            return connection(a, vs, ve) && drop(from, cr);
        }
        if (ForwardedHeaders.isHopByHop(name)) {
            return drop(from, cr);
        }
        if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
            return contentLength(a, vs, ve);
        }
        hasRequestId |= AsciiString.contentEqualsIgnoreCase(name, ForwardedHeaders.X_REQUEST_ID);
        hasHsts |= AsciiString.contentEqualsIgnoreCase(name, ResponseHead.STRICT_TRANSPORT_SECURITY);
        return !AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING);
    }

    /** The first index in {@code a[from, to)} past optional whitespace (SP, HTAB), or {@code to}. */
    private static int skipOws(byte[] a, int from, int to) {
        while (from < to && (a[from] == ' ' || a[from] == '\t')) {
            from++;
        }
        return from;
    }

    /** The end of {@code a[from, to)} without its trailing optional whitespace. */
    private static int trimOws(byte[] a, int from, int to) {
        while (to > from && (a[to - 1] == ' ' || a[to - 1] == '\t')) {
            to--;
        }
        return to;
    }

    /** Leaves the line {@code [from, cr + 2)} out of the forwarded head. */
    private boolean drop(int from, int cr) {
        if (droppedCount == dropped.length) {
            return false;
        }
        dropped[droppedCount++] = from;
        dropped[droppedCount++] = cr + 2;
        return true;
    }

    /** The tokens of a Connection value: close and keep-alive are understood; any other needs the full decoder. */
    private boolean connection(byte[] a, int from, int to) {
        int i = from;
        while (i < to) {
            int comma = i;
            while (comma < to && a[comma] != ',') {
                comma++;
            }
            int s = skipOws(a, i, comma);
            int e = trimOws(a, s, comma);
            AsciiString token = new AsciiString(a, s, e - s, false);
            if (AsciiString.contentEqualsIgnoreCase(token, HttpHeaderValues.CLOSE)) {
                close = true;
            } else if (e > s && !AsciiString.contentEqualsIgnoreCase(token, HttpHeaderValues.KEEP_ALIVE)) {
                // It names a header to remove as hop-by-hop, or is something else again.
                return false;
            }
            i = comma + 1;
        }
        return true;
    }

    /** One Content-Length: only digits, and only one such header. */
    private boolean contentLength(byte[] a, int from, int to) {
        if (contentLength >= 0 || from == to || to - from > 18) {
            return false;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = a[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            v = v * 10 + d;
        }
        contentLength = v;
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    /**
     * Netty's response decoder for the responses {@link RawResponseDecoder}
     * passes on; it knows from that decoder whether the request was HEAD.
     */
    static final class Fallback extends HttpResponseDecoder {

        private final RawResponseDecoder raw;

        Fallback(HttpDecoderConfig config, RawResponseDecoder raw) {
            super(config);
            this.raw = raw;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (msg instanceof HttpResponse && raw.headRequest()
                    && ((HttpResponse) msg).status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
