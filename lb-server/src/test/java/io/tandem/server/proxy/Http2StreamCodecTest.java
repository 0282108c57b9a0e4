package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http2StreamCodecTest {

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").path(path).authority("shop.test:8443");
    }

    // A HEADERS frame with END_STREAM: a request with Host from :authority, cookie crumbs joined, no
    // pseudo-headers, then an empty end.
    @Test
    void headersBecomeARequestWithHostAndOneCookie() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        Http2Headers h = get("/a?b=1").add("cookie", "a=1").add("cookie", "b=2").add("x-other", "v");
        ch.writeInbound(new DefaultHttp2HeadersFrame(h, true));
        HttpRequest req = ch.readInbound();
        assertThat(req.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(req.method().name()).isEqualTo("GET");
        assertThat(req.uri()).isEqualTo("/a?b=1");
        assertThat(req.headers().get("host")).isEqualTo("shop.test:8443");
        assertThat(req.headers().getAll("cookie")).containsExactly("a=1; b=2");
        assertThat(req.headers().get("x-other")).isEqualTo("v");
        assertThat(req.headers().names()).noneMatch(n -> n.startsWith(":"));
        assertThat(req.headers().contains("transfer-encoding")).isFalse();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertFalse(ch.finishAndReleaseAll());
    }

    // A body without content-length goes on chunked; DATA frames become parts, the last one the end, and
    // trailing HEADERS the end's trailers.
    @Test
    void bodyPartsAndTrailers() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").scheme("http")
                .path("/up").authority("a"), false));
        HttpRequest req = ch.readInbound();
        assertThat(req.headers().get("transfer-encoding")).isEqualTo("chunked");
        ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), false));
        HttpContent part = ch.readInbound();
        assertThat(part).isNotInstanceOf(LastHttpContent.class);
        assertThat(part.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        part.release();
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("x-checksum", "9"), true));
        LastHttpContent end = ch.readInbound();
        assertThat(end.trailingHeaders().get("x-checksum")).isEqualTo("9");
        end.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    // A response head becomes HEADERS with :status and without HTTP/1's connection-specific fields; its body
    // DATA; its end with trailers a DATA frame and a last HEADERS frame with END_STREAM.
    @Test
    void responseBecomesFramesWithTrailers() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("Connection", "keep-alive, X-Hop").set("X-Hop", "1").set("Keep-Alive", "timeout=5")
                .set("Transfer-Encoding", "chunked").set("Content-Type", "application/grpc");
        ch.writeOutbound(head);
        ch.writeOutbound(new DefaultHttpContent(Unpooled.copiedBuffer("xy", StandardCharsets.US_ASCII)));
        LastHttpContent end = new DefaultLastHttpContent(Unpooled.copiedBuffer("z", StandardCharsets.US_ASCII));
        end.trailingHeaders().set("grpc-status", "0");
        ch.writeOutbound(end);
        Http2HeadersFrame h = ch.readOutbound();
        assertThat(h.isEndStream()).isFalse();
        assertThat(h.headers().status().toString()).isEqualTo("200");
        assertThat(h.headers().get("content-type").toString()).isEqualTo("application/grpc");
        assertThat(h.headers().names()).extracting(CharSequence::toString)
                .containsExactlyInAnyOrder(":status", "content-type");
        assertThat(data(ch.readOutbound(), false)).isEqualTo("xy");
        assertThat(data(ch.readOutbound(), false)).isEqualTo("z");
        Http2HeadersFrame trailers = ch.readOutbound();
        assertThat(trailers.isEndStream()).isTrue();
        assertThat(trailers.headers().get("grpc-status").toString()).isEqualTo("0");
        assertFalse(ch.finishAndReleaseAll());
    }

    // An interim 103 is a HEADERS frame of its own; the empty end written after it is dropped, and the final
    // response follows. A full response without a body is one HEADERS frame with END_STREAM.
    @Test
    void interimThenBodilessFinal() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(103)));
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT));
        Http2HeadersFrame interim = ch.readOutbound();
        assertThat(interim.headers().status().toString()).isEqualTo("103");
        assertThat(interim.isEndStream()).isFalse();
        Http2HeadersFrame last = ch.readOutbound();
        assertThat(last.headers().status().toString()).isEqualTo("204");
        assertThat(last.isEndStream()).isTrue();
        assertThat((Object) ch.readOutbound()).isNull();
        // An empty buffer (the HTTP/1 side's "flush, then close") writes nothing.
        ch.writeOutbound(Unpooled.EMPTY_BUFFER);
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    // A head followed by an empty end is one HEADERS frame with END_STREAM (gRPC's Trailers-Only answer);
    // a head followed by a flush goes out at once, without END_STREAM.
    @Test
    void headHeldUntilWhatFollowsIsKnown() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("grpc-status", "5").set("grpc-message", "not found");
        ch.write(head);
        assertThat((Object) ch.readOutbound()).isNull();
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        Http2HeadersFrame only = ch.readOutbound();
        assertThat(only.isEndStream()).isTrue();
        assertThat(only.headers().get("grpc-status").toString()).isEqualTo("5");
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());

        EmbeddedChannel streaming = new EmbeddedChannel(new Http2StreamCodec());
        streaming.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        Http2HeadersFrame sent = streaming.readOutbound();
        assertThat(sent.isEndStream()).isFalse();
        assertFalse(streaming.finishAndReleaseAll());
    }

    // A response forwarded as bytes: HEADERS read from the head (names in lower case, values without their
    // blanks, the Connection line this proxy adds left out, fields in their order), then its body as DATA
    // with END_STREAM; the head and body buffers are released.
    @Test
    void rawResponseBecomesHeadersAndData() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        ByteBuf head = ascii("HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Length: 5\r\n"
                + "X-Odd-Name:  padded value \t\r\nEmpty:\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\n"
                + "x-request-id: r1\r\nConnection: close\r\n\r\n");
        ByteBuf body = ascii("hello");
        ch.writeAndFlush(new RawResponse(404, 5, false, true, false, true, head, body));
        Http2HeadersFrame headers = ch.readOutbound();
        assertThat(headers.isEndStream()).isFalse();
        Http2Headers h = headers.headers();
        assertThat(h.status().toString()).isEqualTo("404");
        assertThat(h.names()).extracting(CharSequence::toString).containsExactly(":status", "server",
                "content-length", "x-odd-name", "empty", "set-cookie", "x-request-id");
        assertThat(h.get("server").toString()).isEqualTo("nginx");
        assertThat(h.get("x-odd-name").toString()).isEqualTo("padded value");
        assertThat(h.get("empty").toString()).isEmpty();
        assertThat(h.getAll("set-cookie")).extracting(CharSequence::toString).containsExactly("a=1", "b=2");
        assertThat(data(ch.readOutbound(), true)).isEqualTo("hello");
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(head.refCnt()).isZero();
        assertThat(body.refCnt()).isZero();
        assertFalse(ch.finishAndReleaseAll());
    }

    // A raw response without body bytes is one HEADERS frame with END_STREAM; one whose body follows sends
    // its head at once and each later part as DATA, the last with END_STREAM.
    @Test
    void rawResponseWithoutBodyAndWithParts() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamCodec());
        ch.writeAndFlush(new RawResponse(204, 0, false, true, false, true,
                ascii("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"), Unpooled.EMPTY_BUFFER));
        Http2HeadersFrame only = ch.readOutbound();
        assertThat(only.isEndStream()).isTrue();
        assertThat(only.headers().status().toString()).isEqualTo("204");
        assertThat(only.headers().get("date").toString()).isEqualTo("x");
        assertThat((Object) ch.readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());

        EmbeddedChannel parts = new EmbeddedChannel(new Http2StreamCodec());
        parts.writeAndFlush(new RawResponse(200, 6, false, true, false, false,
                ascii("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"), Unpooled.EMPTY_BUFFER));
        Http2HeadersFrame first = parts.readOutbound();
        assertThat(first.isEndStream()).isFalse();
        assertThat((Object) parts.readOutbound()).isNull();
        parts.writeAndFlush(new RawBody(ascii("abc"), false));
        assertThat(data(parts.readOutbound(), false)).isEqualTo("abc");
        parts.writeAndFlush(new RawBody(ascii("def"), true));
        assertThat(data(parts.readOutbound(), true)).isEqualTo("def");
        assertFalse(parts.finishAndReleaseAll());
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String data(Object frame, boolean endStream) {
        Http2DataFrame d = (Http2DataFrame) frame;
        assertThat(d.isEndStream()).isEqualTo(endStream);
        ByteBuf c = d.content();
        String s = c.toString(StandardCharsets.US_ASCII);
        d.release();
        return s;
    }
}
