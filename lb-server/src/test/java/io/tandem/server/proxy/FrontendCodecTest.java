package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FrontendCodecTest {

    private final AtomicInteger headsStarted = new AtomicInteger();

    private EmbeddedChannel channel() {
        HttpDecoderConfig config = new HttpDecoderConfig().setMaxInitialLineLength(1024).setMaxHeaderSize(4096)
                .setHeadersFactory(io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory()
                        .withValueValidation(false))
                .setStrictLineParsing(true);
        return new EmbeddedChannel(new FrontendCodec(config, headsStarted::incrementAndGet));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Feeds the input one call per fragment and returns the status of the first rejection, or 0 when none. */
    private static int firstRejection(EmbeddedChannel ch, String... fragments) {
        for (String f : fragments) {
            ch.writeInbound(bytes(f));
        }
        int status = 0;
        for (Object o; (o = ch.readInbound()) != null; ) {
            if (status == 0 && o instanceof HttpRequest && ((HttpRequest) o).decoderResult().isFailure()) {
                Throwable cause = ((HttpRequest) o).decoderResult().cause();
                status = cause instanceof FrontendCodec.Rejection ? ((FrontendCodec.Rejection) cause).status : 400;
            } else if (status == 0 && o instanceof HttpContent && ((HttpContent) o).decoderResult().isFailure()) {
                status = 400;
            }
            ReferenceCountUtil.release(o);
        }
        return status;
    }

    // Each framing or syntax shape a proxy must not forward gets the status of RFC 9112; fine requests get none.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "plain GET                | GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                        | 0",
        "leading empty line       | \\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                    | 0",
        "chunked body             | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n | 0",
        "CL and TE                | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "two Content-Lengths      | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\n | 400",
        "xchunked                 | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n          | 400",
        "chunked not last         | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n     | 400",
        "gzip then chunked        | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n     | 501",
        "TE in HTTP/1.0           | POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n                      | 400",
        "obs-fold                 | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\r\\n\\tb\\r\\n\\r\\n                       | 400",
        "space before 1st header  | GET / HTTP/1.1\\r\\n Host: x\\r\\n\\r\\n                                       | 400",
        "bare LF                  | GET / HTTP/1.1\\nHost: x\\r\\n\\r\\n                                          | 400",
        "bare CR                  | GET / HTTP/1.1\\r\\nHost: x\\rX-A: b\\r\\n\\r\\n                                | 400",
        "NUL in a value           | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\u0000b\\r\\n\\r\\n                       | 400",
        "control char in a value  | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\u0001b\\r\\n\\r\\n                       | 400",
        "DEL in the target        | GET /\\u007f HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                              | 400",
        "HTAB in a value is fine  | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\tb\\r\\n\\r\\n                       | 0",
        "obs-text in a value      | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: caf\\u00e9\\u00ff\\r\\n\\r\\n               | 0",
        "invalid chunk size       | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n    | 400",
    })
    void rejectsWhatAProxyMustNotForward(String name, String request, int status) {
        EmbeddedChannel ch = channel();
        String unescaped = request.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
                .replace("\\u0000", "\u0000").replace("\\u0001", "\u0001").replace("\\u007f", "\u007f")
                .replace("\\u00e9", "\u00e9").replace("\\u00ff", "\u00ff");
        assertThat(firstRejection(ch, unescaped)).isEqualTo(status);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // An obs-fold split across reads is still seen: the scanner keeps its place between fragments.
    @Test
    void violationSplitAcrossReadsIsSeen() {
        EmbeddedChannel ch = channel();
        assertThat(firstRejection(ch, "GET / HTTP/1.1\r\nHost: x\r", "\nX-A: a\r\n", " b\r\n\r\n")).isEqualTo(400);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // Body bytes are not head bytes: NUL and bare LF in a body pass, and the next pipelined head is scanned again.
    @Test
    void bodiesAreNotScannedButTheNextHeadIs() {
        EmbeddedChannel ch = channel();
        assertThat(firstRejection(ch, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n\u0000\n\r"
                + "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).isZero();
        assertThat(firstRejection(ch, "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")).isEqualTo(400);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // The head listener hears the first byte of every head, once per head, even when a head arrives byte by byte.
    @Test
    void headStartIsReportedOncePerHead() {
        EmbeddedChannel ch = channel();
        String head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        for (char c : head.toCharArray()) {
            ch.writeInbound(bytes(String.valueOf(c)));
        }
        assertThat(headsStarted.get()).isEqualTo(1);
        ch.writeInbound(bytes(head + head));
        assertThat(headsStarted.get()).isEqualTo(3);
        List<Object> requests = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            if (o instanceof HttpRequest) {
                requests.add(o);
            }
            ReferenceCountUtil.release(o);
        }
        assertThat(requests).hasSize(3);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // A response to HEAD keeps its Content-Length and goes out without body bytes; an interim 100 does not use up the method.
    @Test
    void headResponsesHaveNoBody() {
        EmbeddedChannel ch = channel();
        firstRejection(ch, "HEAD / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n");
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                bytes("hello"));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
        ch.writeOutbound(r);
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(o);
        }
        assertThat(out.toString()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
        assertThat(LastHttpContent.EMPTY_LAST_CONTENT.content().readableBytes()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // A raw response's head (its lines already complete) goes out with a small body in one buffer and a larger
    // one beside it; it answers one request, so a HEAD request behind it still gets its Netty response bodiless.
    @Test
    void rawResponsesGoOutAsTheirBytesAndKeepTheMethodsInStep() {
        EmbeddedChannel ch = channel();
        firstRejection(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n");
        ch.writeOutbound(new RawResponse(200, 5, false, true, false, true,
                bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), bytes("hello")));
        ByteBuf one = ch.readOutbound();
        assertThat(one.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        one.release();
        assertThat((Object) ch.readOutbound()).isNull();

        String large = "x".repeat(FrontendCodec.Encoder.COPY_BODY_THRESHOLD + 1);
        ch.writeOutbound(new RawResponse(200, large.length() + 1, false, true, false, false,
                bytes("HTTP/1.1 200 OK\r\n\r\n"), bytes(large)), new RawBody(bytes("y"), true));
        List<String> parts = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            parts.add(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(o);
        }
        assertThat(parts).containsExactly("HTTP/1.1 200 OK\r\n\r\n", large, "y");

        DefaultFullHttpResponse head = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                bytes("hello"));
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
        ch.writeOutbound(head);
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(o);
        }
        assertThat(out.toString()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    private static final String CHUNKED_HEAD = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String NEXT_REQUEST = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

    /** Every message a fragment produces, each chunk's content as text; the messages are released. */
    private static List<String> messages(EmbeddedChannel ch, String fragment) {
        ch.writeInbound(bytes(fragment));
        List<String> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            if (o instanceof HttpRequest) {
                HttpRequest r = (HttpRequest) o;
                Throwable cause = r.decoderResult().cause();
                out.add(r.method() + " " + r.uri() + (cause == null ? ""
                        : " rejected " + ((FrontendCodec.Rejection) cause).status + ": " + cause.getMessage()));
            } else if (o instanceof HttpContent) {
                HttpContent c = (HttpContent) o;
                String text = c.content().toString(StandardCharsets.ISO_8859_1);
                out.add((c instanceof LastHttpContent ? "last " : "content ")
                        + (c.decoderResult().isFailure() ? "failed" : "'" + text + "'"));
            } else {
                out.add(String.valueOf(o));
            }
            ReferenceCountUtil.release(o);
        }
        return out;
    }

    // A chunk-size line that is invalid and came with its head fails the head itself, so no byte of the request
    // goes on; the rest of the read, a pipelined request included, is discarded. Sent after its head, the same
    // line is Netty's decoder's to judge (the head has gone on by then): it fails the chunk, except for two
    // extensions RFC 9112 does not allow but that leave the size unambiguous, which it passes.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not hex                  | zz\\r\\n                                  | a chunk size that is not hexadecimal | fails ",
        "hex then junk            | 5x\\r\\nhello\\r\\n0\\r\\n\\r\\n             | a chunk size that is not hexadecimal | fails ",
        "empty size               | \\r\\nhello\\r\\n0\\r\\n\\r\\n                | a chunk size that is not hexadecimal | fails ",
        "leading space            | ' 5\\r\\nhello\\r\\n0\\r\\n\\r\\n'             | a chunk size that is not hexadecimal | fails ",
        "0x prefix                | 0x5\\r\\nhello\\r\\n0\\r\\n\\r\\n            | a chunk size that is not hexadecimal | fails ",
        "over an int              | 80000000\\r\\n                            | a chunk size too large | fails ",
        "over a long              | 1ffffffffffffffff\\r\\n                   | a chunk size too large | fails ",
        "extension without name   | 5;\\r\\nhello\\r\\n0\\r\\n\\r\\n              | an invalid chunk extension | passes",
        "extension value missing  | 5;a=\\r\\nhello\\r\\n0\\r\\n\\r\\n            | an invalid chunk extension | fails ",
        "extension name with @    | 5;a@b\\r\\nhello\\r\\n0\\r\\n\\r\\n           | an invalid chunk extension | fails ",
        "two words in extension   | 5;a b\\r\\nhello\\r\\n0\\r\\n\\r\\n           | an invalid chunk extension | passes",
        "control char in value    | 5;a=\\u0001\\r\\nhello\\r\\n0\\r\\n\\r\\n      | an invalid chunk extension | fails ",
        "unterminated quote       | 5;a=\"x\\r\\nhello\\r\\n0\\r\\n\\r\\n          | an invalid chunk extension | fails ",
        "size line ends in bare LF| 5\\nhello\\r\\n0\\r\\n\\r\\n                  | a chunk size line without CRLF | fails ",
        "size line ends in bare CR| 5\\rhello\\r\\n0\\r\\n\\r\\n                  | a chunk size line without CRLF | fails ",
        "data without CRLF        | 5\\r\\nhelloXX\\r\\n0\\r\\n\\r\\n             | chunk data not followed by CRLF | fails ",
        "data then bare LF        | 5\\r\\nhello\\n0\\r\\n\\r\\n                  | chunk data not followed by CRLF | fails ",
        "second chunk bad         | 5\\r\\nhello\\r\\nzz\\r\\n                    | a chunk size that is not hexadecimal | fails ",
    })
    void invalidChunkWithItsHeadFailsTheHead(String name, String chunks, String problem, String later) {
        String body = unescape(chunks);
        EmbeddedChannel ch = channel();
        assertThat(messages(ch, CHUNKED_HEAD + body + NEXT_REQUEST))
                .containsExactly("POST /up rejected 400: " + problem);
        assertThat(messages(ch, NEXT_REQUEST)).isEmpty();
        assertThat(ch.finishAndReleaseAll()).isFalse();

        EmbeddedChannel laterChannel = channel();
        assertThat(messages(laterChannel, CHUNKED_HEAD)).containsExactly("POST /up");
        List<String> rest = messages(laterChannel, body + NEXT_REQUEST);
        if (later.equals("fails")) {
            assertThat(rest).last().isEqualTo("last failed");
        } else {
            assertThat(rest).containsExactly("content 'hello'", "last ''", "GET /next", "last ''");
        }
        assertThat(laterChannel.finishAndReleaseAll()).isFalse();
    }

    // Valid chunked bodies that came with their head pass as before, chunk by chunk, and so does what follows.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty body               | 0\\r\\n\\r\\n                                         | ",
        "one chunk                | 5\\r\\nhello\\r\\n0\\r\\n\\r\\n                           | hello",
        "upper-case hex, zeros    | 000A\\r\\n0123456789\\r\\n0\\r\\n\\r\\n                 | 0123456789",
        "two chunks               | 3\\r\\nhel\\r\\n2\\r\\nlo\\r\\n0\\r\\n\\r\\n                | hel,lo",
        "extensions               | 5;a=b;c;d=\"q\\\"\"\\r\\nhello\\r\\n0;z=1\\r\\n\\r\\n   | hello",
        "largest size, partial    | 7fffffff\\r\\nhel                                  | hel",
        "trailer after last chunk | 5\\r\\nhello\\r\\n0\\r\\nX-T: 1\\r\\n\\r\\n                 | hello",
    })
    void validChunksWithTheirHeadPass(String name, String chunks, String contents) {
        EmbeddedChannel ch = channel();
        List<String> expected = new ArrayList<>();
        expected.add("POST /up");
        boolean complete = chunks.endsWith("\\r\\n\\r\\n");
        if (contents != null) {
            for (String c : contents.split(",")) {
                expected.add("content '" + c + "'");
            }
        }
        if (complete) {
            expected.add("last ''");
            expected.add("GET /next");
            expected.add("last ''");
        }
        assertThat(messages(ch, CHUNKED_HEAD + unescape(chunks) + (complete ? NEXT_REQUEST : "")))
                .containsExactlyElementsOf(expected);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\u0001", "\u0001");
    }
}
