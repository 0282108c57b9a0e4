package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The MySQL packets of the check: the greeting as MariaDB 10.11 sends it, the login, ERR, COM_QUIT. */
class MysqlPacketsTest {

    /** A HandshakeV10 greeting of MariaDB 10.11 (connection 42, mysql_native_password), framed as packet 0. */
    static ByteBuf mariadbGreeting() {
        ByteBuf p = Unpooled.buffer();
        p.writeByte(10);
        p.writeCharSequence("5.5.5-10.11.19-MariaDB-0+deb12u1", StandardCharsets.US_ASCII);
        p.writeByte(0);
        p.writeIntLE(42);
        p.writeCharSequence("12345678", StandardCharsets.US_ASCII); // auth-plugin-data part 1
        p.writeByte(0);
        p.writeShortLE(0xF7FE);                                    // capabilities, lower half
        p.writeByte(45);                                           // utf8mb4_general_ci
        p.writeShortLE(0x0002);                                    // status: autocommit
        p.writeShortLE(0x81BF);                                    // capabilities, upper half
        p.writeByte(21);                                           // auth data length
        p.writeZero(6).writeIntLE(0x1D);                           // reserved, MariaDB's extended capabilities
        p.writeCharSequence("abcdefghijkl", StandardCharsets.US_ASCII); // part 2: 13 bytes with its NUL
        p.writeByte(0);
        p.writeCharSequence("mysql_native_password", StandardCharsets.US_ASCII);
        p.writeByte(0);
        return MysqlPackets.frame(0, p);
    }

    // A greeting split over reads is incomplete until its last byte; then it parses to version, id, plugin.
    @Test
    void greetingParsesOnceWhole() {
        ByteBuf whole = mariadbGreeting();
        ByteBuf in = Unpooled.buffer();
        while (whole.readableBytes() > 1) {
            in.writeByte(whole.readByte());
            assertThat(MysqlPackets.read(in)).isNull();
            assertThat(in.readerIndex()).isZero();
        }
        in.writeByte(whole.readByte());
        MysqlPackets.Packet packet = MysqlPackets.read(in);
        assertThat(packet.sequence()).isZero();
        assertThat(packet.kind()).isEqualTo(10);
        MysqlPackets.Greeting g = MysqlPackets.greeting(packet.payload());
        assertThat(g).isEqualTo(new MysqlPackets.Greeting(10, "5.5.5-10.11.19-MariaDB-0+deb12u1", 42,
                0x81BFF7FE, "mysql_native_password"));
        assertThat(in.isReadable()).isFalse();
        packet.payload().release();
        whole.release();
        in.release();
    }

    // The login is packet 1: the capabilities the check wants and the server has, no password, native auth.
    @Test
    void loginBytesAreExact() {
        MysqlPackets.Greeting g = new MysqlPackets.Greeting(10, "10.11", 42, 0x81BFF7FE, "mysql_native_password");
        ByteBuf login = MysqlPackets.login(1, "tandem_check", g);
        assertThat(ByteBufUtil.hexDump(login)).isEqualTo(
                "44000001"                                  // 68 bytes, packet 1
                + "04a20800"                                // LONG_FLAG PROTOCOL_41 TRANSACTIONS SECURE_CONNECTION
                                                            // PLUGIN_AUTH; not LONG_PASSWORD, which MariaDB's
                                                            // greeting leaves out (its bit 0 means CLIENT_MYSQL)
                + "00000001"                                // max packet 16 MiB
                + "21" + "00".repeat(23)                    // utf8, filler
                + hex("tandem_check") + "00"                // user
                + "00"                                      // empty auth response
                + hex("mysql_native_password") + "00");
        login.release();
    }

    // A server without plugin auth gets no plugin name; protocol 4.1 is always asked for.
    @Test
    void loginToAnOldServerLeavesOutWhatItLacks() {
        MysqlPackets.Greeting g = new MysqlPackets.Greeting(10, "5.0", 1,
                MysqlPackets.CLIENT_PROTOCOL_41 | MysqlPackets.CLIENT_SECURE_CONNECTION, null);
        ByteBuf login = MysqlPackets.login(1, "u", g);
        assertThat(ByteBufUtil.hexDump(login)).isEqualTo("23000001" + "00820000" + "00000001" + "21"
                + "00".repeat(23) + hex("u") + "00" + "00");
        login.release();
    }

    // An ERR after the login carries its SQL state; one sent instead of a greeting has none.
    @Test
    void errorPacketsAsText() {
        ByteBuf denied = Unpooled.buffer().writeByte(0xFF).writeShortLE(1045);
        denied.writeCharSequence("#28000Access denied for user 'x'@'127.0.0.1'", StandardCharsets.UTF_8);
        assertThat(MysqlPackets.error(denied)).isEqualTo("1045 (28000): Access denied for user 'x'@'127.0.0.1'");
        ByteBuf blocked = Unpooled.buffer().writeByte(0xFF).writeShortLE(1129);
        blocked.writeCharSequence("Host '127.0.0.1' is blocked because of many connection errors",
                StandardCharsets.UTF_8);
        assertThat(MysqlPackets.error(blocked))
                .isEqualTo("1129: Host '127.0.0.1' is blocked because of many connection errors");
        denied.release();
        blocked.release();
    }

    // COM_QUIT is packet 0 with the single command byte 0x01.
    @Test
    void quitIsOneByte() {
        ByteBuf quit = MysqlPackets.quit();
        assertThat(ByteBufUtil.hexDump(quit)).isEqualTo("0100000001");
        quit.release();
    }

    // Something else than a v10 greeting is refused with what it was.
    @Test
    void notAGreeting() {
        ByteBuf http = Unpooled.copiedBuffer("HTTP/1.1 400 Bad Request", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> MysqlPackets.greeting(http))
                .hasMessage("a greeting of protocol version 72, not 10");
        http.release();
    }

    private static String hex(String s) {
        return ByteBufUtil.hexDump(s.getBytes(StandardCharsets.US_ASCII));
    }
}
