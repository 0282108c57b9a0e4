package io.tandem.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code failover} section of a pair ({@code mode: pair}, the default):
 * node name, heartbeat addresses (a peer or a multicast group) and key,
 * priority and preemption, tracking, warm-up, VIPs, the notify script and
 * state sync. {@code mode: announce} is {@link AnnounceSections}' to read.
 */
final class FailoverSections {

    private FailoverSections() {}

    static FailoverConfig failover(Section s) {
        String node = s.string("node");
        if (node != null && (!node.matches(ConfigLoader.NAME_CHARS) || node.length() > 64)) {
            s.problem("node", "'" + node + "' is not a valid node name; expected up to 64 letters, digits, "
                    + "'.', '_' and '-'");
        }
        if (FailoverMode.fromConfig(s.choice("mode")) == FailoverMode.ANNOUNCE) {
            return AnnounceSections.failover(s, node);
        }
        for (String required : List.of("bind", "auth-key-file")) {
            if (!s.has(required)) {
                s.problem(required, "is required (failover.mode: pair)");
            }
        }
        int clusterId = s.integer("cluster-id");
        int priority = s.integer("priority");
        HostPort bind = s.address("bind");
        HostPort peer = s.address("peer");
        HostPort multicast = s.address("multicast");
        if (peer == null && multicast == null && !s.has("peer") && !s.has("multicast")) {
            s.problem(null, "needs a peer (the other node's heartbeat address, e.g. peer: 10.0.0.3:5405) "
                    + "or a multicast group");
        }
        if (peer != null && multicast != null) {
            s.problem("multicast", "set either peer or multicast, not both");
        }
        if (peer != null && peer.isWildcard()) {
            s.problem("peer", "the peer needs a concrete address, not *");
        } else if (peer != null && peer.equals(bind)) {
            s.problem("peer", peer + " is this node's own bind; expected the other node's address");
        }
        if (multicast != null && !IpLiteral.isMulticast(multicast.host())) {
            s.problem("multicast", "'" + multicast.host() + "' is not a multicast group address; expected "
                    + "e.g. 224.0.0.18:5405 (224.0.0.0/4) or [ff02::12]:5405");
        }
        Duration advert = s.duration("advert-interval");
        String keyFile = s.file("auth-key-file");
        if (keyFile != null) {
            String key = ConfigLoader.readFile(s, "auth-key-file", keyFile,
                    "expected a file with 64 hex characters (openssl rand -hex 32)");
            if (key != null && !key.trim().matches("[0-9a-fA-F]{64}")) {
                s.problem("auth-key-file", keyFile + " does not hold 64 hex characters; expected the output of "
                        + "openssl rand -hex 32");
            }
        }
        boolean preempt = s.bool("preempt");
        Duration preemptDelay = s.duration("preempt-delay");
        if (!preempt && s.has("preempt-delay")) {
            s.problem("preempt-delay", "only applies with preempt: true");
        }
        Section track = s.section("track");
        FailoverConfig.TrackConfig tracking = new FailoverConfig.TrackConfig(track.bool("no-backend-up"),
                track.bool("listener-failed"));
        Section warm = s.section("warm-up");
        FailoverConfig.WarmUpConfig warmUp = new FailoverConfig.WarmUpConfig(warm.integer("requests"),
                warm.duration("interval"));
        List<FailoverConfig.VipConfig> vips = new ArrayList<>();
        Map<String, Integer> seenVips = new HashMap<>();
        for (Section v : s.list("vip")) {
            String address = v.string("address");
            String iface = v.string("interface");
            if (address != null) {
                String bad = cidrProblem(address);
                if (bad != null) {
                    v.problem("address", bad);
                } else {
                    Integer first = seenVips.putIfAbsent(address.substring(0, address.indexOf('/')), v.index());
                    if (first != null) {
                        v.problem("address", address + " is already vip[" + first + "]");
                    }
                }
            }
            if (iface != null && !iface.matches("[A-Za-z0-9._@:-]{1,15}")) {
                v.problem("interface", "'" + iface + "' is not a network interface name; expected e.g. eth0 "
                        + "(at most 15 characters)");
            }
            vips.add(new FailoverConfig.VipConfig(address, iface));
        }
        String notify = s.file("notify");
        if (notify != null) {
            Path script = Path.of(notify);
            if (!Files.exists(script)) {
                s.problem("notify", "cannot run " + notify + ": no such file; expected an executable script");
            } else if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
                s.problem("notify", "cannot run " + notify + ": not an executable file (chmod +x)");
            }
        }
        if (vips.isEmpty() && notify == null && !s.has("vip") && !s.has("notify")) {
            s.problem(null, "needs a vip to move or a notify script to call (or both); expected e.g. "
                    + "vip: [ { address: 10.0.0.100/24, interface: eth0 } ]");
        }
        boolean stateSync = s.bool("state-sync");
        if (stateSync && peer == null) {
            s.problem("state-sync", "needs peer: the state goes to the peer's address over TCP "
                    + "(a multicast pair has none)");
        }
        return new FailoverConfig(node, priority, bind, peer, advert, keyFile, preempt, vips, notify, clusterId,
                preemptDelay, tracking, multicast, warmUp, stateSync);
    }

    /** Why {@code text} is not an IP address with a prefix length, or null when it is one. */
    private static String cidrProblem(String text) {
        String expected = "expected an address with prefix length such as 10.0.0.100/24 or fd00::100/64";
        int slash = text.indexOf('/');
        if (slash < 0) {
            return "'" + text + "' has no prefix length; " + expected;
        }
        byte[] address = IpLiteral.parse(text.substring(0, slash));
        if (address == null) {
            return "'" + text + "' is not an IP address with prefix length; " + expected;
        }
        int max = address.length * 8;
        try {
            int prefix = Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > max) {
                return "prefix length " + prefix + " is out of range; expected 0-" + max;
            }
        } catch (NumberFormatException e) {
            return "'" + text + "' has no valid prefix length; " + expected;
        }
        return null;
    }
}
