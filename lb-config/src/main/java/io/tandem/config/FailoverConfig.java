package io.tandem.config;

import java.time.Duration;
import java.util.List;

/**
 * Active/passive pairing of two Tandem nodes around virtual IPs.
 *
 * @param priority 1-254, higher wins
 * @param notifyScript script called with MASTER, BACKUP or FAULT; null for none
 */
public record FailoverConfig(
        String node,
        int priority,
        HostPort bind,
        HostPort peer,
        Duration advertInterval,
        String authKeyFile,
        boolean preempt,
        List<VipConfig> vips,
        String notifyScript) {

    public FailoverConfig {
        vips = List.copyOf(vips);
    }

    /** A virtual IP with prefix length on an interface, e.g. 10.0.0.100/24 on eth0. */
    public record VipConfig(String address, String iface) {}
}
