package io.tandem.server.failover;

import static org.assertj.core.api.Assertions.assertThat;

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
}
