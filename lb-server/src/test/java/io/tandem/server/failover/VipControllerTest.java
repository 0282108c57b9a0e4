package io.tandem.server.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.FailoverConfig.VipConfig;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class VipControllerTest {

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    // The fallback interface for a VIP is one with an address in the VIP's subnet, by prefix bits.
    @Test
    void sameSubnetComparesThePrefixBits() throws Exception {
        assertThat(VipController.sameSubnet(ip("172.28.5.11"), ip("172.28.5.100"), 24)).isTrue();
        assertThat(VipController.sameSubnet(ip("172.28.6.11"), ip("172.28.5.100"), 24)).isFalse();
        assertThat(VipController.sameSubnet(ip("10.0.0.129"), ip("10.0.0.100"), 25)).isFalse();
        assertThat(VipController.sameSubnet(ip("10.0.0.1"), ip("10.0.0.100"), 25)).isTrue();
        assertThat(VipController.sameSubnet(ip("fd00::2"), ip("fd00::100"), 64)).isTrue();
        assertThat(VipController.sameSubnet(ip("fd00::2"), ip("10.0.0.100"), 24)).isFalse();
    }

    // An IPv6 VIP is added without duplicate address detection (usable at once, not "tentative");
    // an IPv4 one exactly as before. The batch ip gets these words joined, the one-shot ip them after "ip".
    @Test
    void ipv6VipIsAddedWithNodad() {
        assertThat(VipController.addCommand(new VipConfig("fd77:1::100/64", "eth0"), "eth0"))
                .containsExactly("addr", "replace", "fd77:1::100/64", "dev", "eth0", "nodad");
        assertThat(VipController.addCommand(new VipConfig("10.0.0.100/24", "eth0"), "eth1"))
                .containsExactly("addr", "replace", "10.0.0.100/24", "dev", "eth1");
    }

    // The NA names every address itself (na6 makes up random ones otherwise): from the interface's MAC and
    // the VIP to all nodes, Override only (-o; no -c for Solicited, no -r for Router), target = the VIP,
    // target link-layer address option = the MAC.
    @Test
    void neighbourAdvertisementNamesEveryAddress() {
        byte[] mac = {0x02, (byte) 0xab, 0x00, 0x10, (byte) 0xff, 0x01};
        assertThat(VipController.neighbourAdvertisement("veth1", "fd77:1::100", mac)).containsExactly(
                "na6", "-i", "veth1", "-S", "02:ab:00:10:ff:01", "-D", "33:33:00:00:00:01", "-s", "fd77:1::100",
                "-d", "ff02::1", "-t", "fd77:1::100", "-o", "-E", "02:ab:00:10:ff:01");
        assertThat(VipController.ipv6(new VipConfig("fd77:1::100/64", "eth0"))).isTrue();
        assertThat(VipController.ipv6(new VipConfig("10.0.0.100/24", "eth0"))).isFalse();
    }
}
