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
        ch.writeOutbound(new RawResponse(200, 5, false, true, true,
                bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), bytes("hello")));
        ByteBuf one = ch.readOutbound();
        assertThat(one.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        one.release();
        assertThat((Object) ch.readOutbound()).isNull();

        String large = "x".repeat(FrontendCodec.Encoder.COPY_BODY_THRESHOLD + 1);
        ch.writeOutbound(new RawResponse(200, large.length() + 1, false, true, false,
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
}
