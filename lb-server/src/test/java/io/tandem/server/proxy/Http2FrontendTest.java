package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.tandem.config.Http2Config;
import org.junit.jupiter.api.Test;

class Http2FrontendTest {

    /** The HPACK block of the one HEADERS frame {@code writer} writes for {@code headers}. */
    private static byte[] headerBlock(Http2FrameWriter writer, Http2Headers headers) {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = ch.pipeline().firstContext();
        writer.writeHeaders(ctx, 1, headers, 0, true, ctx.newPromise());
        ch.flushOutbound();
        // Netty writes the frame's header and its block as two buffers.
        ByteBuf frame = Unpooled.buffer();
        for (ByteBuf part; (part = ch.readOutbound()) != null; ) {
            frame.writeBytes(part);
            part.release();
        }
        assertFalse(ch.finishAndReleaseAll());
        int length = frame.getUnsignedMedium(0);
        assertThat(frame.getByte(3)).as("frame type HEADERS").isEqualTo((byte) 1);
        assertThat(frame.readableBytes()).isEqualTo(9 + length);
        byte[] block = new byte[length];
        frame.getBytes(9, block);
        return block;
    }

    // Each response's x-request-id is new, so the listener's codec sends it as a never-indexed literal (first
    // byte 0001 0000: a new name, not entered in the table), the second time too; any other new field is
    // entered in the table (0100 0000), and the second time sent as its index (1xxx xxxx).
    @Test
    void theRequestIdIsNeverIndexedOtherFieldsAre() {
        Http2FrameCodec codec = Http2Frontend.codec(Http2Config.defaults(true));
        Http2FrameWriter writer = codec.encoder().frameWriter();

        byte[] first = headerBlock(writer, new DefaultHttp2Headers().status("200").add("x-request-id", "aaaa"));
        assertThat(first[0]).as(":status 200 from the static table").isEqualTo((byte) 0x88);
        assertThat(first[1]).as("x-request-id, never indexed").isEqualTo((byte) 0x10);
        byte[] second = headerBlock(writer, new DefaultHttp2Headers().status("200").add("x-request-id", "bbbb"));
        assertThat(second[1]).as("the next x-request-id, never indexed").isEqualTo((byte) 0x10);

        byte[] other = headerBlock(writer, new DefaultHttp2Headers().status("200").add("x-other", "v"));
        assertThat(other[1]).as("x-other, entered in the table").isEqualTo((byte) 0x40);
        byte[] again = headerBlock(writer, new DefaultHttp2Headers().status("200").add("x-other", "v"));
        assertThat(again).as("x-other, the newest entry (index 62)").containsExactly(0x88, 0x80 | 62);
    }
}
