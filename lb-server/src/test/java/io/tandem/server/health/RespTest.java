package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The RESP2 commands the Redis check writes and the replies it reads, byte for byte. */
class RespTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    // A command is an array of bulk strings with their byte lengths.
    @Test
    void commandIsAnArrayOfBulkStrings() {
        ByteBuf b = Resp.command("INFO", "replication");
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n");
        b.release();
    }

    // Simple strings, errors and integers are read up to their CRLF, and only that much is consumed.
    @Test
    void lineRepliesAreReadAndConsumed() {
        ByteBuf b = bytes("+PONG\r\n-NOAUTH Authentication required.\r\n:42\r\n+PA");
        assertThat(Resp.read(b)).isEqualTo(new Resp.Reply('+', "PONG"));
        assertThat(Resp.read(b)).isEqualTo(new Resp.Reply('-', "NOAUTH Authentication required."));
        assertThat(Resp.read(b).error()).isFalse();
        assertThat(Resp.read(b)).isNull();
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("+PA");
        b.release();
    }

    // A bulk string split over reads is incomplete (nothing consumed) until its last CRLF arrives.
    @Test
    void bulkStringWaitsForAllItsBytes() {
        String info = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
        String whole = "$" + info.length() + "\r\n" + info + "\r\n";
        ByteBuf b = Unpooled.buffer();
        for (int i = 0; i < whole.length() - 1; i++) {
            b.writeByte(whole.charAt(i));
            assertThat(Resp.read(b)).isNull();
            assertThat(b.readerIndex()).isZero();
        }
        b.writeByte('\n');
        Resp.Reply r = Resp.read(b);
        assertThat(r).isEqualTo(new Resp.Reply('$', info));
        assertThat(RedisProbe.roleIn(r.text())).isEqualTo("master");
        assertThat(b.isReadable()).isFalse();
        b.release();
    }

    // A null bulk string has no text; a reply of an unknown type is refused with what it started with.
    @Test
    void nullBulkAndUnknownType() {
        ByteBuf b = bytes("$-1\r\nHTTP/1.1 400\r\n");
        assertThat(Resp.read(b)).isEqualTo(new Resp.Reply('$', null));
        assertThatThrownBy(() -> Resp.read(b)).hasMessage("a reply starting with 'H', not + - : or $");
        b.release();
    }

    // The role line of a replica says slave (Redis's own word).
    @Test
    void roleOfAReplica() {
        assertThat(RedisProbe.roleIn("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\n")).isEqualTo("slave");
        assertThat(RedisProbe.roleIn("# Replication\r\n")).isNull();
    }
}
