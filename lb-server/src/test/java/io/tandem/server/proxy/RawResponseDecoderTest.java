package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RawResponseDecoderTest {

    private final RawResponseDecoder raw = new RawResponseDecoder();
    private final EmbeddedChannel ch = new EmbeddedChannel(raw,
            new RawResponseDecoder.Fallback(new HttpDecoderConfig(), raw));

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private List<Object> read(String... fragments) {
        for (String f : fragments) {
            ch.writeInbound(bytes(f));
        }
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    private static String text(ByteBuf b) {
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void releaseAll(List<Object> out) {
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void plainResponseIsForwardedAsBytesLessItsHopByHopLines() {
        raw.expect(false, true);
        List<Object> out = read("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nConnection: keep-alive\r\n"
                + "Keep-Alive: timeout=5\r\nX-Custom:  a b \r\n\r\nhello");
        assertThat(out).hasSize(1);
        RawResponse r = (RawResponse) out.get(0);
        assertThat(text(r.head)).isEqualTo("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nX-Custom:  a b \r\n");
        assertThat(text(r.body)).isEqualTo("hello");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.contentLength).isEqualTo(5);
        assertThat(r.complete).isTrue();
        assertThat(r.close).isFalse();
        assertThat(r.hasRequestId).isFalse();
        releaseAll(out);
    }

    @Test
    void everyHopByHopHeaderIsDroppedInAnyCaseAndCloseIsSeen() {
        raw.expect(false, true);
        List<Object> out = read("HTTP/1.1 404 Not Found\r\nTE: trailers\r\nTrailer: x\r\nUPGRADE: h2c\r\n"
                + "Proxy-Connection: x\r\nProxy-Authenticate: Basic\r\nProxy-Authorization: y\r\n"
                + "connection: Keep-Alive, CLOSE\r\nX-Request-ID: abc\r\ncontent-length: 0\r\n\r\n");
        RawResponse r = (RawResponse) out.get(0);
        assertThat(text(r.head)).isEqualTo("HTTP/1.1 404 Not Found\r\nX-Request-ID: abc\r\ncontent-length: 0\r\n");
        assertThat(r.status).isEqualTo(404);
        assertThat(r.close).isTrue();
        assertThat(r.hasRequestId).isTrue();
        assertThat(r.complete).isTrue();
        assertThat(r.body.readableBytes()).isZero();
        releaseAll(out);
    }

    @Test
    void headTrickledByteByByteIsForwardedWhenItEnds() {
        raw.expect(false, true);
        String response = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc";
        List<Object> out = new ArrayList<>();
        for (char c : response.toCharArray()) {
            out.addAll(read(String.valueOf(c)));
        }
        assertThat(out).hasSize(4);
        RawResponse r = (RawResponse) out.get(0);
        assertThat(text(r.head)).isEqualTo("HTTP/1.1 201 Created\r\nContent-Length: 3\r\n");
        assertThat(r.complete).isFalse();
        assertThat(r.body.readableBytes()).isZero();
        // Then the body bytes one by one, the last marked.
        assertThat(out.subList(1, 4)).extracting(o -> text(((RawBody) o).content()) + ((RawBody) o).last)
                .containsExactly("afalse", "bfalse", "ctrue");
        releaseAll(out);
    }

    @Test
    void bodyOverSeveralReadsEndsWithTheLastPart() {
        raw.expect(false, true);
        List<Object> out = read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123", "456", "789");
        assertThat(out).hasSize(3);
        RawResponse r = (RawResponse) out.get(0);
        assertThat(text(r.body)).isEqualTo("0123");
        assertThat(r.complete).isFalse();
        assertThat(r.contentLength).isEqualTo(10);
        assertThat(text(((RawBody) out.get(1)).content())).isEqualTo("456");
        assertThat(((RawBody) out.get(1)).last).isFalse();
        assertThat(text(((RawBody) out.get(2)).content())).isEqualTo("789");
        assertThat(((RawBody) out.get(2)).last).isTrue();
        releaseAll(out);
    }

    @Test
    void responseToHeadHasNoBodyWhateverItsLengthSays() {
        raw.expect(true, true);
        List<Object> out = read("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
        RawResponse r = (RawResponse) out.get(0);
        assertThat(r.complete).isTrue();
        assertThat(r.contentLength).isZero();
        releaseAll(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"204 No Content", "304 Not Modified"})
    void bodilessStatusesNeedNoLength(String status) {
        raw.expect(false, true);
        List<Object> out = read("HTTP/1.1 " + status + "\r\nETag: \"x\"\r\n\r\n");
        RawResponse r = (RawResponse) out.get(0);
        assertThat(r.complete).isTrue();
        assertThat(r.contentLength).isZero();
        releaseAll(out);
    }

    @Test
    void twoResponsesInTurnOnOneConnection() {
        raw.expect(false, true);
        List<Object> first = read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
        raw.expect(false, true);
        List<Object> second = read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB");
        assertThat(text(((RawResponse) first.get(0)).body)).isEqualTo("A");
        assertThat(text(((RawResponse) second.get(0)).body)).isEqualTo("B");
        releaseAll(first);
        releaseAll(second);
    }

    @Test
    void bytesNobodyAskedForCloseTheConnection() {
        raw.expect(false, true);
        List<Object> out = read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\n");
        assertThat(out).hasSize(1);
        assertThat(ch.isOpen()).isFalse();
        releaseAll(out);
    }

    // Anything but a plain head goes to Netty's decoder, which yields its HTTP objects (or its error).
    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: X-Secret\r\nX-Secret: 1\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n folded\r\n\r\nhello",
        "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: a\rb\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: a\0b\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX A: 1\r\n\r\nhello",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "HTTP/1.1 99 Odd\r\nContent-Length: 5\r\n\r\nhello",
    })
    void anythingButAPlainHeadTakesTheFullDecoder(String response) {
        raw.expect(false, true);
        List<Object> out = read(response);
        assertThat(out).isNotEmpty();
        assertThat(out.get(0)).isInstanceOf(HttpResponse.class);
        assertThat(out).noneMatch(o -> o instanceof RawResponse || o instanceof RawBody);
        releaseAll(out);
    }

    @Test
    void aResponseNotWantedAsBytesTakesTheFullDecoderAndHeadHasNoBodyThere() {
        raw.expect(true, false);
        List<Object> out = read("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
        assertThat(out).hasSize(2);
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(200);
        assertThat(out.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        releaseAll(out);
    }

    @Test
    void headOverTheLimitTakesTheFullDecoderWhichRejectsIt() {
        raw.expect(false, true);
        String big = "X-Big: " + "a".repeat(BackendInitializer.MAX_RESPONSE_HEADER_SIZE) + "\r\n";
        List<Object> out = read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n" + big + "\r\nA");
        assertThat(out).isNotEmpty();
        assertThat(((HttpResponse) out.get(0)).decoderResult().isFailure()).isTrue();
        releaseAll(out);
    }
}
