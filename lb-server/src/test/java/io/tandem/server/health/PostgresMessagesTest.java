package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The PostgreSQL messages of the check: the startup message, Terminate, and the server's answers. */
class PostgresMessagesTest {

    // The startup message: its length, protocol 3.0, then NUL-terminated pairs and a final NUL.
    @Test
    void startupBytesAreExact() {
        ByteBuf b = PostgresMessages.startup("tandem", "app");
        String pairs = "user\0tandem\0database\0app\0application_name\0tandem-health-check\0\0";
        assertThat(ByteBufUtil.hexDump(b)).isEqualTo(String.format("%08x", 8 + pairs.length()) + "00030000"
                + ByteBufUtil.hexDump(pairs.getBytes(StandardCharsets.US_ASCII)));
        b.release();
    }

    // Terminate is 'X' with the length 4.
    @Test
    void terminateBytes() {
        ByteBuf b = PostgresMessages.terminate();
        assertThat(ByteBufUtil.hexDump(b)).isEqualTo("5800000004");
        b.release();
    }

    // A SASL request split over reads is read once whole, and names its mechanism.
    @Test
    void authenticationRequestNamesTheMethod() {
        ByteBuf whole = Unpooled.buffer().writeByte('R').writeInt(4 + 4 + 14 + 1).writeInt(10);
        whole.writeCharSequence("SCRAM-SHA-256\0\0", StandardCharsets.US_ASCII);
        whole.writeByte('R').writeInt(8).writeInt(5);
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(whole, 10);
        assertThat(PostgresMessages.read(in)).isNull();
        in.writeBytes(whole);
        PostgresMessages.Message sasl = PostgresMessages.read(in);
        assertThat(sasl.type()).isEqualTo('R');
        assertThat(PostgresMessages.authMethod(sasl.body())).isEqualTo("SASL (SCRAM-SHA-256)");
        PostgresMessages.Message md5 = PostgresMessages.read(in);
        assertThat(PostgresMessages.authMethod(md5.body())).isEqualTo("an MD5 password");
        assertThat(in.isReadable()).isFalse();
        sasl.body().release();
        md5.body().release();
        whole.release();
        in.release();
    }

    // An ErrorResponse reads as severity, code and message.
    @Test
    void errorResponseAsText() {
        ByteBuf body = Unpooled.buffer();
        body.writeCharSequence("SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0Fpostmaster.c\0\0",
                StandardCharsets.UTF_8);
        ByteBuf in = Unpooled.buffer().writeByte('E').writeInt(4 + body.readableBytes()).writeBytes(body);
        PostgresMessages.Message m = PostgresMessages.read(in);
        assertThat(m.type()).isEqualTo('E');
        assertThat(PostgresMessages.error(m.body())).isEqualTo("FATAL 57P03: the database system is starting up");
        m.body().release();
        body.release();
        in.release();
    }

    // A length no message has (an HTTP answer read as PostgreSQL) is refused.
    @Test
    void implausibleLengthIsRefused() {
        ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 400", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PostgresMessages.read(in)).hasMessage("a message length of 1414811695");
        in.release();
    }
}
