package io.tandem.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.SyslogConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** RFC 5424 messages and RFC 6587 octet-counting frames, byte for byte. */
class SyslogFrameTest {

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // PRI is facility * 8 + 6 (informational); the header has version 1, UTC time, host, app, pid, msgid, no SD.
    @Test
    void message() {
        SyslogFrame f = new SyslogFrame(SyslogConfig.Facility.LOCAL0, "lb-a", "tandem", 4242, "access");
        assertThat(text(f.message(Instant.parse("2026-12-06T20:30:05.123456Z"), "GET / 200")))
                .isEqualTo("<134>1 2026-12-06T20:30:05.123456Z lb-a tandem 4242 access - GET / 200");
        SyslogFrame daemon = new SyslogFrame(SyslogConfig.Facility.DAEMON, "lb-a", "web", 1, "access");
        assertThat(text(daemon.message(Instant.parse("2026-01-02T03:04:05Z"), "x")))
                .isEqualTo("<30>1 2026-01-02T03:04:05.000000Z lb-a web 1 access - x");
    }

    // Header fields hold only printable ASCII: a space or non-ASCII becomes '_', an empty one the nil "-".
    @Test
    void headerFieldsAreSanitised() {
        SyslogFrame f = new SyslogFrame(SyslogConfig.Facility.KERN, "", "a b\u00e9", 7, "access");
        assertThat(text(f.message(Instant.parse("2026-01-02T03:04:05Z"), "m")))
                .isEqualTo("<6>1 2026-01-02T03:04:05.000000Z - a_b_ 7 access - m");
        assertThat(SyslogFrame.field("x".repeat(300), 255)).hasSize(255);
    }

    // The TCP frame is the message's length in octets (UTF-8, not chars), a space, the message.
    @Test
    void octetCounting() {
        byte[] message = "<134>1 - - - - - caf\u00e9".getBytes(StandardCharsets.UTF_8);
        assertThat(text(SyslogFrame.octetCounted(message))).isEqualTo("22 <134>1 - - - - - caf\u00e9");
        assertThat(message).hasSize(22);
    }
}
