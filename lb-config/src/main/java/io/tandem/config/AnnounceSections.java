package io.tandem.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds {@code failover.mode: announce} and the top-level {@code announce} section, and refuses a file that
 * mixes the two failover modes: pair keys on an announcing node, an {@code announce} section on a pair
 * member or a single node, a mode without its section. Stateless; part of one parse.
 */
final class AnnounceSections {

    /** The failover keys that only a pair uses; an announcing node has no peer, priority or interface VIP. */
    static final List<String> PAIR_ONLY = List.of("cluster-id", "priority", "bind", "peer", "multicast",
            "advert-interval", "auth-key-file", "preempt", "preempt-delay", "track", "vip", "notify", "state-sync");

    private static final String COMMUNITY = "(\\d{1,5}):(\\d{1,5})";

    private AnnounceSections() {}

    /** The failover section of an announcing node: its name and warm-up; every pair key is a problem. */
    static FailoverConfig failover(Section s, String node) {
        for (String key : PAIR_ONLY) {
            if (s.has(key)) {
                s.problem(key, "only applies to failover.mode: pair; an announcing node has no peer and takes its "
                        + "VIPs from the top-level announce section");
            }
        }
        Section warm = s.section("warm-up");
        FailoverConfig.WarmUpConfig warmUp = new FailoverConfig.WarmUpConfig(warm.integer("requests"),
                warm.duration("interval"));
        return new FailoverConfig(node, Defaults.FAILOVER_PRIORITY, null, null, Defaults.ADVERT_INTERVAL, null,
                Defaults.PREEMPT, List.of(), null, Defaults.FAILOVER_CLUSTER_ID, Defaults.PREEMPT_DELAY,
                FailoverConfig.TrackConfig.DEFAULT, null, warmUp, FailoverMode.ANNOUNCE);
    }

    /**
     * The {@code announce} section, checked against the failover mode: it belongs with
     * {@code failover.mode: announce} and with nothing else.
     */
    static Optional<AnnounceConfig> announce(Section top, Section failoverSection,
                                             Optional<FailoverConfig> failover) {
        boolean announcing = failover.map(FailoverConfig::announces).orElse(false);
        if (!top.has("announce")) {
            if (announcing) {
                failoverSection.problem("mode", "mode: announce needs the top-level announce section "
                        + "(the VIPs and the routing daemon), e.g. announce: { vips: [10.0.0.100/32], "
                        + "daemon: { type: gobgp } }");
            }
            return Optional.empty();
        }
        Section announce = top.section("announce");
        // Reported at the announce: key itself (a section's mark), not at its first inner key.
        if (failover.isEmpty()) {
            announce.problem(null, "needs failover: { mode: announce, node: NAME }: announcing the VIPs by BGP "
                    + "is one of the two failover modes");
        } else if (!announcing) {
            announce.problem(null, "only applies with failover.mode: announce; this node is a pair member "
                    + "(failover.mode: pair), which moves its VIPs by heartbeats: choose one of the two");
        }
        return Optional.of(bind(announce));
    }

    private static AnnounceConfig bind(Section s) {
        List<String> vips = vips(s);
        String iface = s.string("interface");
        if (!iface.matches("[A-Za-z0-9._@:-]{1,15}")) {
            s.problem("interface", "'" + iface + "' is not a network interface name; expected e.g. lo "
                    + "(at most 15 characters)");
        }
        AnnounceConfig.Daemon daemon = daemon(s);
        String nextHop = s.string("next-hop");
        if (!nextHop.equals(Defaults.ANNOUNCE_NEXT_HOP) && daemon != null
                && daemon.type() == AnnounceConfig.DaemonType.BIRD) {
            s.problem("next-hop", "type: bird sends its own address as the next hop (next-hop: self); set "
                    + "another in bird.conf's BGP export filter (bgp_next_hop) and next hop keep");
        } else if (!nextHop.equals(Defaults.ANNOUNCE_NEXT_HOP)) {
            byte[] hop = IpLiteral.parse(nextHop);
            if (hop == null) {
                s.problem("next-hop", "'" + nextHop + "' is not an IP address; expected self or e.g. 10.0.1.2");
            } else {
                for (String vip : vips) {
                    byte[] address = IpLiteral.parse(vip.substring(0, vip.indexOf('/')));
                    if (address.length != hop.length) {
                        s.problem("next-hop", nextHop + " is not of the address family of the VIP " + vip
                                + "; use next-hop: self, or one family of VIPs");
                        break;
                    }
                }
            }
        }
        List<String> communities = s.strings("communities");
        for (int i = 0; i < communities.size(); i++) {
            String c = communities.get(i);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(COMMUNITY).matcher(c);
            if (!m.matches() || Integer.parseInt(m.group(1)) > 65535 || Integer.parseInt(m.group(2)) > 65535) {
                s.itemProblem("communities", i, "'" + c + "' is not a BGP community; expected AS:VALUE, each "
                        + "0-65535, e.g. 65000:100");
            }
        }
        return new AnnounceConfig(vips, iface, daemon, nextHop, communities, s.duration("withdraw-wait"),
                s.duration("check-interval"));
    }

    /** The VIPs as {@code address/length}: host routes only (what each node announces), each once. */
    private static List<String> vips(Section s) {
        if (!s.has("vips")) {
            s.problem(null, "needs vips, the addresses this node announces, e.g. vips: [10.0.0.100/32]");
            return List.of();
        }
        List<String> vips = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> texts = s.strings("vips");
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int slash = text.indexOf('/');
            String host = slash < 0 ? text : text.substring(0, slash);
            byte[] address = IpLiteral.parse(host);
            if (address == null) {
                s.itemProblem("vips", i, "'" + text + "' is not an IP address; expected e.g. 10.0.0.100/32 or "
                        + "fd00::100/128");
                continue;
            }
            int full = address.length * 8;
            if (slash >= 0 && !text.substring(slash + 1).equals(Integer.toString(full))) {
                s.itemProblem("vips", i, "'" + text + "' is not a host route; each node announces the VIP itself, "
                        + "expected /" + full);
                continue;
            }
            Integer first = seen.putIfAbsent(host, i);
            if (first != null) {
                s.itemProblem("vips", i, host + " is already vips[" + first + "]");
                continue;
            }
            vips.add(host + "/" + full);
        }
        return vips;
    }

    private static AnnounceConfig.Daemon daemon(Section top) {
        if (!top.has("daemon")) {
            top.problem(null, "needs daemon, the routing daemon that speaks BGP, e.g. daemon: { type: gobgp, "
                    + "api: 127.0.0.1:50051 }, daemon: { type: frr, asn: 65001 } or daemon: { type: bird }");
            return null;
        }
        Section s = top.section("daemon");
        String typeName = s.choice("type");
        if (typeName == null) {
            if (!s.has("type")) {
                s.problem(null, "needs type: gobgp, frr or bird");
            }
            return null;
        }
        AnnounceConfig.DaemonType type = AnnounceConfig.DaemonType.valueOf(Units.upper(typeName));
        String program = switch (type) {
            case GOBGP -> "gobgp";
            case FRR -> "vtysh";
            case BIRD -> "birdc";
        };
        String command = s.string("command");
        if (command != null && command.isBlank()) {
            s.problem("command", "is empty; expected the program, e.g. /usr/bin/" + program);
        }
        HostPort api = s.address("api");
        long asn = 0;
        String pathspace = s.string("pathspace");
        String include = null;
        String socket = null;
        // Each daemon's own keys; another daemon's key is a mistake, reported where it stands.
        Map<String, AnnounceConfig.DaemonType> owner = new java.util.LinkedHashMap<>();
        owner.put("api", AnnounceConfig.DaemonType.GOBGP);
        owner.put("asn", AnnounceConfig.DaemonType.FRR);
        owner.put("pathspace", AnnounceConfig.DaemonType.FRR);
        owner.put("include", AnnounceConfig.DaemonType.BIRD);
        owner.put("socket", AnnounceConfig.DaemonType.BIRD);
        for (Map.Entry<String, AnnounceConfig.DaemonType> e : owner.entrySet()) {
            if (e.getValue() != type && s.has(e.getKey())) {
                s.problem(e.getKey(), "only applies to type: " + e.getValue().configName() + " (this daemon is "
                        + "type: " + type.configName() + ")");
            }
        }
        if (type == AnnounceConfig.DaemonType.GOBGP) {
            if (api != null && api.isWildcard()) {
                s.problem("api", "gobgpd's API needs a concrete address, not *");
            }
        } else if (type == AnnounceConfig.DaemonType.BIRD) {
            include = absolutePath(s, "include", Defaults.BIRD_INCLUDE, "the file bird.conf includes");
            socket = absolutePath(s, "socket", Defaults.BIRD_SOCKET, "BIRD's control socket");
        } else {
            String text = s.string("asn");
            if (text == null) {
                s.problem(null, "type: frr needs asn, the AS number of the router bgp block (vtysh: router bgp "
                        + "ASN), e.g. asn: 65001");
            } else {
                try {
                    asn = Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    asn = -1;
                }
                if (asn < 1 || asn > 4294967295L) {
                    s.problem("asn", "'" + text + "' is not an AS number; expected 1-4294967295");
                }
            }
            if (pathspace != null && !pathspace.matches("[A-Za-z0-9._-]{1,64}")) {
                s.problem("pathspace", "'" + pathspace + "' is not a pathspace name; expected letters, digits, "
                        + "'.', '_' and '-'");
            }
        }
        return new AnnounceConfig.Daemon(type, command != null ? command : program, api, asn,
                type == AnnounceConfig.DaemonType.FRR ? pathspace : null, include, socket);
    }

    /** An absolute file path (a BIRD include file or socket), {@code fallback} when unset. */
    private static String absolutePath(Section s, String key, String fallback, String what) {
        String path = s.string(key);
        if (path == null) {
            return fallback;
        }
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("\"") || path.contains("\n")) {
            s.problem(key, "'" + path + "' is not an absolute file path; expected " + what + ", e.g. " + fallback);
        }
        return path;
    }
}
