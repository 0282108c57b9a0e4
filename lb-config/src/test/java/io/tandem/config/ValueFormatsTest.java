package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The value formats of the config: durations, sizes, addresses, status ranges, hash keys. */
class ValueFormatsTest {

    // Durations are whole numbers with ms, s, m or h.
    @Test
    void durations() {
        assertThat(Units.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Units.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Units.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Units.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Units.parseDuration("0s")).isEqualTo(Duration.ZERO);
    }

    // Durations without a unit, with a fraction or with a space are refused with the forms that work.
    @Test
    void badDurations() {
        assertThatThrownBy(() -> Units.parseDuration("2")).hasMessage(
                "'2' has no unit; expected a whole number with a unit such as 250ms, 2s, 1m or 1h");
        assertThatThrownBy(() -> Units.parseDuration("1.5s")).hasMessage(
                "'1.5s' is not a duration; expected a whole number with a unit such as 250ms, 2s, 1m or 1h");
        assertThatThrownBy(() -> Units.parseDuration("2 sec")).hasMessage(
                "'2 sec' is not a duration; expected a whole number with a unit such as 250ms, 2s, 1m or 1h");
        assertThatThrownBy(() -> Units.parseDuration("1001h")).hasMessage("'1001h' is too long; expected at most 1000h");
        assertThatThrownBy(() -> Units.parseDuration("99999999999999999999ms")).hasMessage(
                "'99999999999999999999ms' is too long; expected at most 1000h");
    }

    // Durations print back the way the config writes them.
    @Test
    void durationsFormat() {
        assertThat(Units.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Units.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Units.format(Duration.ofSeconds(300))).isEqualTo("5m");
        assertThat(Units.format(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(Units.format(Duration.ZERO)).isEqualTo("0s");
    }

    // Sizes: B, binary KiB/MiB/GiB, decimal KB/MB/GB.
    @Test
    void sizes() {
        assertThat(Units.parseSize("512B")).isEqualTo(512);
        assertThat(Units.parseSize("64KiB")).isEqualTo(64 * 1024);
        assertThat(Units.parseSize("1MiB")).isEqualTo(1 << 20);
        assertThat(Units.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThat(Units.parseSize("8KB")).isEqualTo(8000);
        assertThat(Units.formatSize(512)).isEqualTo("512B");
        assertThat(Units.formatSize(64 * 1024)).isEqualTo("64KiB");
        assertThat(Units.formatSize(1 << 20)).isEqualTo("1MiB");
        assertThatThrownBy(() -> Units.parseSize("64")).hasMessage(
                "'64' has no unit; expected a whole number with a unit such as 512B, 64KiB or 1MiB");
        assertThatThrownBy(() -> Units.parseSize("64k")).hasMessage(
                "'64k' is not a size; expected a whole number with a unit such as 512B, 64KiB or 1MiB");
    }

    // Addresses: host:port, bracketed IPv6, the * wildcard, names.
    @Test
    void addresses() {
        assertThat(HostPort.parse("10.0.0.11:80")).isEqualTo(new HostPort("10.0.0.11", 80));
        assertThat(HostPort.parse("[::1]:8080")).isEqualTo(new HostPort("::1", 8080));
        assertThat(HostPort.parse("*:80").isWildcard()).isTrue();
        assertThat(HostPort.parse("web-1.internal:8080")).isEqualTo(new HostPort("web-1.internal", 8080));
        assertThat(HostPort.parse("[::1]:8080").toString()).isEqualTo("[::1]:8080");
    }

    // Addresses without a port, with an unbracketed IPv6, or a port outside 1-65535 are refused.
    @Test
    void badAddresses() {
        assertThatThrownBy(() -> HostPort.parse("10.0.0.11")).hasMessage(
                "'10.0.0.11' has no port; expected host:port such as 10.0.0.11:80, [::1]:8080 or *:80");
        assertThatThrownBy(() -> HostPort.parse("::1:8080")).hasMessage(
                "'::1:8080' has no port; expected host:port such as 10.0.0.11:80, [::1]:8080 or *:80");
        assertThatThrownBy(() -> HostPort.parse("*:70000")).hasMessage("port 70000 is out of range; expected 1-65535");
        assertThatThrownBy(() -> HostPort.parse("*:0")).hasMessage("port 0 is out of range; expected 1-65535");
        assertThatThrownBy(() -> HostPort.parse("host:http")).hasMessage(
                "'host:http' has no valid port; expected host:port such as 10.0.0.11:80, [::1]:8080 or *:80");
    }

    // Status lists: ranges, single codes, and both mixed.
    @Test
    void statusRanges() {
        StatusRanges r = StatusRanges.parse("200-399");
        assertThat(r.contains(200)).isTrue();
        assertThat(r.contains(399)).isTrue();
        assertThat(r.contains(400)).isFalse();
        StatusRanges list = StatusRanges.parse("200,204");
        assertThat(list.contains(200)).isTrue();
        assertThat(list.contains(204)).isTrue();
        assertThat(list.contains(201)).isFalse();
        StatusRanges mixed = StatusRanges.parse("200-299, 301");
        assertThat(mixed.contains(250)).isTrue();
        assertThat(mixed.contains(301)).isTrue();
        assertThat(mixed.contains(302)).isFalse();
        assertThatThrownBy(() -> StatusRanges.parse("399-200")).hasMessage(
                "'399-200' is not a range of statuses within 100-599; expected status codes or ranges such as "
                        + "200-399 or 200,204");
        assertThatThrownBy(() -> StatusRanges.parse("2xx")).hasMessage(
                "'2xx' is not a status list; expected status codes or ranges such as 200-399 or 200,204");
    }

    // Hash keys: source-ip, header:NAME, cookie:NAME.
    @Test
    void hashOn() {
        assertThat(HashOn.parse("source-ip")).isEqualTo(new HashOn(HashOn.Source.SOURCE_IP, null));
        assertThat(HashOn.parse("header:X-User")).isEqualTo(new HashOn(HashOn.Source.HEADER, "X-User"));
        assertThat(HashOn.parse("cookie:sid")).isEqualTo(new HashOn(HashOn.Source.COOKIE, "sid"));
        assertThatThrownBy(() -> HashOn.parse("header:")).hasMessage(
                "'header:' is not a hash key; expected source-ip, header:NAME or cookie:NAME");
    }

    // IP literals parse without name resolution; multicast groups are recognised in both families.
    @Test
    void ipLiterals() {
        assertThat(IpLiteral.parse("10.0.0.100")).containsExactly(10, 0, 0, 100);
        assertThat(IpLiteral.parse("256.0.0.1")).isNull();
        assertThat(IpLiteral.parse("10.0.0")).isNull();
        assertThat(IpLiteral.parse("fd00::100")).hasSize(16);
        assertThat(IpLiteral.parse("::ffff:10.0.0.1")).hasSize(16);
        assertThat(IpLiteral.parse("1:2:3:4:5:6:7:8")).hasSize(16);
        assertThat(IpLiteral.parse("1:2:3:4:5:6:7")).isNull();
        assertThat(IpLiteral.parse("fd00::1::2")).isNull();
        assertThat(IpLiteral.parse("example.com")).isNull();
        assertThat(IpLiteral.isMulticast("224.0.0.18")).isTrue();
        assertThat(IpLiteral.isMulticast("239.255.1.1")).isTrue();
        assertThat(IpLiteral.isMulticast("240.0.0.1")).isFalse();
        assertThat(IpLiteral.isMulticast("10.0.0.1")).isFalse();
        assertThat(IpLiteral.isMulticast("ff02::12")).isTrue();
        assertThat(IpLiteral.isMulticast("fe80::1")).isFalse();
    }
}
