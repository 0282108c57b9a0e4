package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * The SNI reader of a TCP listener: it finds the name in a real ClientHello (the JDK's), also when the
 * ClientHello is split over two TLS records and arrives in pieces, routes by it, and passes on every
 * byte exactly as it came.
 */
class SniPeekTest {

    /** What reached the session behind the reader: the routing event and the bytes. */
    private static final class Behind extends ChannelInboundHandlerAdapter {
        final List<SniPeek.Routed> routed = new ArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniPeek.Routed r) {
                routed.add(r);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] copy = new byte[b.readableBytes()];
            b.readBytes(copy);
            bytes.writeBytes(copy);
            b.release();
        }
    }

    /** The first TLS record the JDK's client sends for {@code sni}: its ClientHello. */
    static byte[] clientHello(String sni) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("ignored", 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] record = new byte[out.remaining()];
        out.get(record);
        return record;
    }

    /** The same handshake bytes re-framed as two records, the first holding {@code firstLength} of them. */
    static byte[] splitIntoTwoRecords(byte[] record, int firstLength) {
        byte[] handshake = Arrays.copyOfRange(record, 5, record.length);
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(record, 0, 3).writeShort(firstLength).writeBytes(handshake, 0, firstLength);
        out.writeBytes(record, 0, 3).writeShort(handshake.length - firstLength)
                .writeBytes(handshake, firstLength, handshake.length - firstLength);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        return bytes;
    }

    /** Feeds {@code input} in pieces cut at {@code cuts}, then returns what got behind the reader. */
    private static Behind feed(byte[] input, int... cuts) {
        Behind behind = new Behind();
        List<String> asked = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new SniPeek(name -> {
            asked.add(name);
            return null;
        }), behind);
        int from = 0;
        for (int cut : cuts) {
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, from, cut)));
            from = cut;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, from, input.length)));
        assertThat(ch.pipeline().get(SniPeek.class)).isNull();
        assertThat(asked).hasSize(1);
        assertFalse(ch.finishAndReleaseAll());
        return behind;
    }

    // One record: the name is found and the ClientHello goes on unchanged.
    @Test
    void oneRecord() throws Exception {
        byte[] hello = clientHello("db.example.com");
        Behind b = feed(hello);
        assertThat(b.routed).containsExactly(new SniPeek.Routed(null, "db.example.com"));
        assertThat(b.bytes.toByteArray()).isEqualTo(hello);
    }

    // A ClientHello split over two records, arriving in three pieces that cut a record header, is read whole.
    @Test
    void fragmentedRecordsInPieces() throws Exception {
        byte[] split = splitIntoTwoRecords(clientHello("b.example.com"), 40);
        Behind b = feed(split, 3, 5 + 40 + 2);
        assertThat(b.routed).containsExactly(new SniPeek.Routed(null, "b.example.com"));
        assertThat(b.bytes.toByteArray()).isEqualTo(split);
    }

    // Bytes that are no TLS go to the default pool (no name), and on unchanged.
    @Test
    void plainBytesHaveNoName() {
        byte[] plain = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
        Behind b = feed(plain);
        assertThat(b.routed).containsExactly(new SniPeek.Routed(null, null));
        assertThat(b.bytes.toByteArray()).isEqualTo(plain);
    }
}
