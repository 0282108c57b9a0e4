package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PROXY protocol keys of listeners and pools, and the address ranges they trust. */
class ProxyProtocolConfigTest {

    private static String[] config(String listenerLine, String poolLine) {
        return new String[] {
            "listeners:",
            "  - bind: 127.0.0.1:8080",
            "    pool: web",
            listenerLine,
            "pools:",
            "  web:",
            "    backends: [ { address: 127.0.0.1:9000 } ]",
            poolLine,
        };
    }

    // Without the keys a listener reads no header and a pool sends none.
    @Test
    void offByDefault() throws Exception {
        TandemConfig c = parse(config("", ""));
        assertThat(c.listeners().get(0).proxyProtocol()).isEqualTo(ProxyProtocolConfig.OFF);
        assertThat(c.pool("web").proxyProtocol()).isEmpty();
    }

    // Both keys are read: IPv4 and IPv6 ranges, host bits cleared, and the version a pool sends.
    @Test
    void keysAreBound() throws Exception {
        TandemConfig c = parse(config(
                "    proxy-protocol: { accept: true, from: [10.1.2.3/8, 127.0.0.1/32, '::1/128', 'fd00::/8'] }",
                "    proxy-protocol: v1"));
        ProxyProtocolConfig p = c.listeners().get(0).proxyProtocol();
        assertThat(p.accept()).isTrue();
        assertThat(p.from()).extracting(CidrRange::toString)
                .containsExactly("10.0.0.0/8", "127.0.0.1/32", "0:0:0:0:0:0:0:1/128", "fd00:0:0:0:0:0:0:0/8");
        assertThat(c.pool("web").proxyProtocol()).isEqualTo(Optional.of(ProxyProtocolVersion.V1));
    }

    // A range contains exactly the addresses that share its prefix, of its own family (IPv4-mapped counts as IPv4).
    @Test
    void rangesMatchByPrefix() {
        CidrRange ten = CidrRange.parse("10.0.0.0/8");
        assertThat(ten.contains(new byte[] {10, (byte) 255, 0, 1})).isTrue();
        assertThat(ten.contains(new byte[] {11, 0, 0, 1})).isFalse();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertThat(ten.contains(mapped)).isTrue();
        CidrRange odd = CidrRange.parse("192.168.4.0/22");
        assertThat(odd.contains(new byte[] {(byte) 192, (byte) 168, 7, (byte) 255})).isTrue();
        assertThat(odd.contains(new byte[] {(byte) 192, (byte) 168, 8, 0})).isFalse();
        CidrRange loop6 = CidrRange.parse("::1/128");
        byte[] one = new byte[16];
        one[15] = 1;
        assertThat(loop6.contains(one)).isTrue();
        assertThat(loop6.contains(new byte[] {0, 0, 0, 1})).isFalse();
        assertThat(CidrRange.parse("0.0.0.0/0").contains(new byte[] {1, 2, 3, 4})).isTrue();
        assertThat(new ProxyProtocolConfig(true, List.of(ten, loop6)).trusts(one)).isTrue();
        assertThatThrownBy(() -> CidrRange.parse("::1/129")).hasMessage(
                "prefix length 129 of '::1/129' is out of range; expected 0-128");
    }

    // accept: true without from trusts nobody and is refused at the map, naming what from is for.
    @Test
    void acceptNeedsFrom() {
        assertThat(problems(config("    proxy-protocol: { accept: true }", "")))
                .isEqualTo("t.yaml:4:5: listeners[0].proxy-protocol: accept: true needs from, the address ranges "
                        + "of the balancers that send the header (e.g. from: [10.0.0.0/8])");
    }

    // An empty from, a range without prefix, a bad address, a prefix out of range: each at its own item.
    @Test
    void badRanges() {
        assertThat(problems(config("    proxy-protocol: { accept: true, from: [] }", "")))
                .isEqualTo("t.yaml:4:43: listeners[0].proxy-protocol.from: needs at least one address range");
        assertThat(problems(config(
                "    proxy-protocol: { accept: true, from: [10.0.0.1, 10.0.0.300/8, 10.0.0.0/33, {a: b}] }", "")))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:44: listeners[0].proxy-protocol.from[0]: '10.0.0.1' has no prefix length; "
                                + "expected an address range such as 10.0.0.0/8 or fd00::/8 (/32 or /128 for one "
                                + "address)",
                        "t.yaml:4:54: listeners[0].proxy-protocol.from[1]: '10.0.0.300/8' is not an IP address "
                                + "with prefix length; expected an address range such as 10.0.0.0/8 or fd00::/8",
                        "t.yaml:4:68: listeners[0].proxy-protocol.from[2]: prefix length 33 of '10.0.0.0/33' is "
                                + "out of range; expected 0-32",
                        "t.yaml:4:81: listeners[0].proxy-protocol.from[3]: expected an address range such as "
                                + "10.0.0.0/8, found a map; quote IPv6 ranges ('fd00::/8')"));
    }

    // from without accept: true would do nothing, and is refused; so is a version the pool cannot send.
    @Test
    void fromWithoutAcceptAndBadVersion() {
        assertThat(problems(config("    proxy-protocol: { accept: false, from: [10.0.0.0/8] }",
                "    proxy-protocol: V2")))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:44: listeners[0].proxy-protocol.from: only applies with accept: true",
                        "t.yaml:8:21: pools.web.proxy-protocol: 'V2' is not a PROXY protocol version; did you "
                                + "mean 'v2'? expected v1 or v2"));
    }

    // A listener's proxy-protocol holds only accept and from.
    @Test
    void unknownKeyIsRefused() {
        assertThat(problems(config("    proxy-protocol: { accept: true, from: [10.0.0.0/8], version: 2 }", "")))
                .isEqualTo("t.yaml:4:57: listeners[0].proxy-protocol.version: unknown key; expected one of accept, from");
    }
}
