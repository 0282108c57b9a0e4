package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.x codec of a client connection, stricter than Netty's
 * {@code HttpServerCodec} where a proxy must be: a request whose framing two
 * parsers could read differently is never forwarded (RFC 9112 section 11.2,
 * request smuggling). On top of Netty's decoder it rejects
 * <ul>
 *   <li>obs-fold (a header line starting with SP or HTAB), a bare CR or LF, NUL
 *       and every other control character but HTAB anywhere in the request head
 *       (RFC 9112 sections 2.2 and 5.2, RFC 9110 section 5.5). Since every byte of
 *       a head is checked here, header values need no second check when parsed
 *       or set; names are still validated by Netty;</li>
 *   <li>Content-Length together with Transfer-Encoding (section 6.3, point 3);</li>
 *   <li>any Transfer-Encoding but exactly {@code chunked}: chunked not last is
 *       400 (section 6.3), a coding Tandem does not implement before a final
 *       chunked is 501 (section 6.1); Transfer-Encoding in HTTP/1.0 is 400;</li>
 *   <li>a chunked body whose framing, as far as it came in the same read as
 *       the head, is not RFC 9112 section 7.1's: a chunk size that is not
 *       hexadecimal or does not fit an int, a malformed chunk extension, a
 *       size line or chunk data not ended by CRLF ({@link ChunkLookahead}).</li>
 * </ul>
 * A rejected request reaches the handler as an {@link HttpRequest} whose
 * decoder result is a failure carrying a {@link Rejection}; the decoder then
 * discards everything else the connection sends. So a request refused here
 * never reaches a backend, not even its head. Netty's decoder hands a chunked
 * request's head on before it reads the first chunk, which is why the chunks
 * that came with the head are checked when the head is decoded; a bad chunk
 * that arrives later fails that chunk's {@code HttpContent} instead, when the
 * head may already be on its way to the backend (the handler then ends the
 * exchange). The encoder remembers request methods so that a response to HEAD
 * goes out without a body, and lets interim (1xx) responses through without
 * consuming one.
 *
 * <p>It also tells the {@link HeadListener} when the first byte of a request
 * head arrives: the header timeout runs from there (slowloris), not from the
 * end of the previous response.
 *
 * <p>Confined to the client channel's event loop, like every handler.
 */
final class FrontendCodec extends CombinedChannelDuplexHandler<FrontendCodec.Decoder, FrontendCodec.Encoder> {

    /** Told when a request head starts arriving. */
    interface HeadListener {
        void headStarted();
    }

    /** Why a request was refused before any handler saw it; {@link #status} is the answer. */
    static final class Rejection extends RuntimeException {
        final int status;

        Rejection(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);

    FrontendCodec(HttpDecoderConfig config, HeadListener listener) {
        init(new Decoder(config, listener, methods), new Encoder(methods));
    }

    static final class Decoder extends HttpRequestDecoder {

        private final HeadListener listener;
        private final ArrayDeque<HttpMethod> methods;
        private final HeadScanner scanner = new HeadScanner();
        /** True from the end of one request until the end of the next one's head. */
        private boolean inHead = true;
        /** Bytes at the reader index already scanned by {@link #scanner} but not yet consumed. */
        private int scannedAhead;
        private boolean rejected;

        Decoder(HttpDecoderConfig config, HeadListener listener, ArrayDeque<HttpMethod> methods) {
            super(config);
            this.listener = listener;
            this.methods = methods;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (rejected) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (inHead && !scanHead(buffer, out)) {
                return;
            }
            int before = buffer.readerIndex();
            int oldSize = out.size();
            super.decode(ctx, buffer, out);
            if (inHead) {
                scannedAhead = Math.max(0, scannedAhead - (buffer.readerIndex() - before));
            }
            for (int i = oldSize, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    HttpRequest request = (HttpRequest) o;
                    methods.add(request.method());
                    checkFraming(request);
                    if (!request.decoderResult().isFailure() && HttpUtil.isTransferEncodingChunked(request)) {
                        // Netty returns right after a chunked head: what follows in the buffer is its body.
                        checkChunksAhead(request, buffer);
                    }
                    if (request.decoderResult().isFailure()) {
                        rejected = true;
                    }
                }
                if (o instanceof LastHttpContent || (o instanceof HttpObject
                        && ((HttpObject) o).decoderResult().isFailure())) {
                    if (((HttpObject) o).decoderResult().isFailure()) {
                        rejected = true;
                    }
                    startHead();
                }
            }
            if (rejected) {
                buffer.skipBytes(buffer.readableBytes());
            }
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (rejected) {
                // The connection's one answer is the rejection already passed on.
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            super.decodeLast(ctx, buffer, out);
        }

        private void startHead() {
            inHead = true;
            scannedAhead = 0;
            scanner.reset();
        }

        /** Scans new head bytes; false (and a rejected request in {@code out}) on a violation. */
        private boolean scanHead(ByteBuf buffer, List<Object> out) {
            int from = buffer.readerIndex() + scannedAhead;
            int to = buffer.writerIndex();
            if (from >= to) {
                return true;
            }
            if (!scanner.started) {
                scanner.started = true;
                listener.headStarted();
            }
            int stop = buffer.forEachByte(from, to - from, scanner);
            if (scanner.violation != null) {
                HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
                bad.setDecoderResult(DecoderResult.failure(new Rejection(400, scanner.violation)));
                out.add(bad);
                rejected = true;
                buffer.skipBytes(buffer.readableBytes());
                return false;
            }
            if (stop >= 0) {
                // The empty line ending the head: the body that follows is not scanned.
                inHead = false;
            } else {
                scannedAhead = to - buffer.readerIndex();
            }
            return true;
        }

        /** Fails {@code request} when the chunked framing already read after its head is invalid. */
        private static void checkChunksAhead(HttpRequest request, ByteBuf buffer) {
            String problem = ChunkLookahead.problem(buffer, buffer.readerIndex(), buffer.writerIndex());
            if (problem != null) {
                request.setDecoderResult(DecoderResult.failure(new Rejection(400, problem)));
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new Rejection(400, "both Content-Length and Transfer-Encoding");
        }

        /** Marks the request failed when its Transfer-Encoding is anything but exactly "chunked". */
        private static void checkFraming(HttpRequest request) {
            if (request.decoderResult().isFailure() || !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                return;
            }
            List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (codings.isEmpty()) {
                return;
            }
            Rejection problem = null;
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                problem = new Rejection(400, "Transfer-Encoding in an HTTP/1.0 request");
            } else if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                problem = new Rejection(400, "both Content-Length and Transfer-Encoding");
            } else {
                String last = lastToken(codings);
                if (!"chunked".equalsIgnoreCase(last)) {
                    problem = new Rejection(400, "Transfer-Encoding does not end with chunked");
                } else if (codings.size() > 1 || !"chunked".equalsIgnoreCase(codings.get(0).trim())) {
                    problem = new Rejection(501, "a transfer coding other than chunked");
                }
            }
            if (problem != null) {
                request.setDecoderResult(DecoderResult.failure(problem));
            }
        }

        private static String lastToken(List<String> values) {
            String value = values.get(values.size() - 1);
            int comma = value.lastIndexOf(',');
            return (comma < 0 ? value : value.substring(comma + 1)).trim();
        }
    }

    /**
     * Walks a request head byte by byte: stops (returns false) at the LF of the
     * empty line that ends it, or at the first byte no request head may hold.
     */
    static final class HeadScanner implements ByteProcessor {
        boolean started;
        String violation;
        private boolean sawLine;
        private boolean atLineStart = true;
        private boolean afterCr;
        private int lineLength;

        void reset() {
            started = false;
            violation = null;
            sawLine = false;
            atLineStart = true;
            afterCr = false;
            lineLength = 0;
        }

        @Override
        public boolean process(byte b) {
            if (b == '\n') {
                if (!afterCr) {
                    violation = "a line ends with a bare LF";
                    return false;
                }
                afterCr = false;
                atLineStart = true;
                if (lineLength == 0) {
                    // Empty lines before the request line are allowed (RFC 9112 section 2.2).
                    return !sawLine;
                }
                sawLine = true;
                lineLength = 0;
                return true;
            }
            if (afterCr) {
                violation = "a bare CR";
                return false;
            }
            if (b == '\r') {
                afterCr = true;
                return true;
            }
            if (b == 0) {
                violation = "a NUL byte in the request head";
                return false;
            }
            // Unsigned: bytes from 0x80 up are obs-text, allowed in field values, not control characters.
            int c = b & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                // RFC 9110 section 5.5: no control character but HTAB in a field value.
                violation = "a control character in the request head";
                return false;
            }
            if (atLineStart && sawLine && (b == ' ' || b == '\t')) {
                violation = "a folded header line (obs-fold)";
                return false;
            }
            atLineStart = false;
            lineLength++;
            return true;
        }
    }

    /**
     * Reads ahead over a chunked body's framing without consuming it: each
     * chunk-size line (RFC 9112 section 7.1: {@code 1*HEXDIG}, then chunk
     * extensions {@code *( BWS ";" BWS token [ BWS "=" BWS ( token /
     * quoted-string ) ] )}, then CRLF), skipping each chunk's data and checking
     * the CRLF after it, until the last chunk (its trailer section is left to
     * Netty) or the end of the bytes at hand. A size must fit an int, as for
     * Netty's decoder, which reads the same chunks afterwards.
     */
    static final class ChunkLookahead {

        private ChunkLookahead() {}

        /** What is wrong with the chunked framing in {@code buf[from, to)}, or null when nothing is so far. */
        static String problem(ByteBuf buf, int from, int to) {
            int i = from;
            while (i < to) {
                long size = 0;
                int start = i;
                for (int digit; i < to && (digit = hex(buf.getByte(i))) >= 0; i++) {
                    size = size * 16 + digit;
                    if (size > Integer.MAX_VALUE) {
                        return "a chunk size too large";
                    }
                }
                if (i == to) {
                    return null;
                }
                if (i == start) {
                    return "a chunk size that is not hexadecimal";
                }
                int end = lineEnd(buf, i, to);
                switch (end) {
                    case NOT_HEX:
                        return "a chunk size that is not hexadecimal";
                    case BAD_EXTENSION:
                        return "an invalid chunk extension";
                    case NO_CRLF:
                        return "a chunk size line without CRLF";
                    default:
                        break;
                }
                if (end == to || size == 0 || size > to - end) {
                    // Nothing more at hand, or the last chunk (its trailer fields are Netty's), or data still coming.
                    return null;
                }
                i = end + (int) size;
                if (i < to && buf.getByte(i) != '\r' || i + 1 < to && buf.getByte(i + 1) != '\n') {
                    return "chunk data not followed by CRLF";
                }
                i += 2;
            }
            return null;
        }

        private static final int NOT_HEX = -1;
        private static final int BAD_EXTENSION = -2;
        private static final int NO_CRLF = -3;

        // States of a size line after its digits.
        private static final int AFTER_SIZE = 0;
        private static final int SPACE = 1;
        private static final int NAME_START = 2;
        private static final int NAME = 3;
        private static final int AFTER_NAME = 4;
        private static final int VALUE_START = 5;
        private static final int TOKEN_VALUE = 6;
        private static final int QUOTED = 7;
        private static final int QUOTED_PAIR = 8;
        private static final int AFTER_QUOTED = 9;
        private static final int CR = 10;

        /**
         * The index just past the CRLF that ends the size line whose extensions
         * start at {@code i}; {@code to} when the line is not complete yet; a
         * negative code when it is invalid.
         */
        private static int lineEnd(ByteBuf buf, int i, int to) {
            int state = AFTER_SIZE;
            for (; i < to; i++) {
                int c = buf.getByte(i) & 0xff;
                boolean space = c == ' ' || c == '\t';
                if (state == CR) {
                    return c == '\n' ? i + 1 : NO_CRLF;
                }
                if (c == '\n') {
                    return NO_CRLF;
                }
                switch (state) {
                    case AFTER_SIZE:
                        if (c == '\r') {
                            state = CR;
                        } else if (c == ';') {
                            state = NAME_START;
                        } else if (space) {
                            state = SPACE;
                        } else {
                            return NOT_HEX;
                        }
                        break;
                    case SPACE:
                        if (c == '\r') {
                            state = CR; // BWS before the line's end, which recipients parse (RFC 9110 5.6.3)
                        } else if (c == ';') {
                            state = NAME_START;
                        } else if (!space) {
                            return BAD_EXTENSION;
                        }
                        break;
                    case NAME_START:
                        if (isTchar(c)) {
                            state = NAME;
                        } else if (!space) {
                            return BAD_EXTENSION;
                        }
                        break;
                    case NAME:
                    case AFTER_NAME:
                    case TOKEN_VALUE:
                        if (c == '\r') {
                            state = CR;
                        } else if (c == ';') {
                            state = NAME_START;
                        } else if (c == '=' && state != TOKEN_VALUE) {
                            state = VALUE_START;
                        } else if (space) {
                            state = state == TOKEN_VALUE ? SPACE : AFTER_NAME;
                        } else if (!isTchar(c) || state == AFTER_NAME) {
                            return BAD_EXTENSION;
                        }
                        break;
                    case VALUE_START:
                        if (c == '"') {
                            state = QUOTED;
                        } else if (isTchar(c)) {
                            state = TOKEN_VALUE;
                        } else if (!space) {
                            return BAD_EXTENSION;
                        }
                        break;
                    case QUOTED:
                        if (c == '"') {
                            state = AFTER_QUOTED;
                        } else if (c == '\\') {
                            state = QUOTED_PAIR;
                        } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                            return BAD_EXTENSION;
                        }
                        break;
                    case QUOTED_PAIR:
                        if (c < 0x20 && c != '\t' || c == 0x7f) {
                            return BAD_EXTENSION;
                        }
                        state = QUOTED;
                        break;
                    default: // AFTER_QUOTED
                        if (c == '\r') {
                            state = CR;
                        } else if (c == ';') {
                            state = NAME_START;
                        } else if (space) {
                            state = SPACE;
                        } else {
                            return BAD_EXTENSION;
                        }
                        break;
                }
            }
            return to;
        }

        private static int hex(byte b) {
            if (b >= '0' && b <= '9') {
                return b - '0';
            }
            if (b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F') {
                return (b | 0x20) - 'a' + 10;
            }
            return -1;
        }

        /** RFC 9110 section 5.6.2's tchar. */
        private static boolean isTchar(int c) {
            return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }

    static final class Encoder extends HttpResponseEncoder {

        /** A body up to this size that came with its head goes out in the head's buffer: one send, not two. */
        static final int COPY_BODY_THRESHOLD = 128;

        private final ArrayDeque<HttpMethod> methods;

        Encoder(ArrayDeque<HttpMethod> methods) {
            this.methods = methods;
        }

        /**
         * A {@link RawResponse} (its head already complete for the client) and
         * its {@link RawBody} parts are bytes ready to send; everything else is
         * Netty's HTTP objects, encoded as usual.
         */
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof RawResponse) {
                RawResponse response = (RawResponse) msg;
                // Its request is answered: the next response answers the next method.
                methods.poll();
                ByteBuf head = response.head;
                ByteBuf body = response.body;
                int size = body.readableBytes();
                if (size == 0 || (response.complete && size <= COPY_BODY_THRESHOLD)) {
                    head.writeBytes(body);
                    body.release();
                    ctx.write(head, promise);
                } else {
                    ctx.write(head, ctx.voidPromise());
                    ctx.write(body, promise);
                }
            } else if (msg instanceof RawBody) {
                ctx.write(((RawBody) msg).content(), promise);
            } else {
                super.write(ctx, msg, promise);
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            int code = msg.status().code();
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL && code != 101) {
                // An interim answer: the request still awaits its final response.
                return true;
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
