package io.tandem.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS side of a pool's {@code backends} ({@code dns:} and {@code dns-srv:}
 * entries) and the top-level {@code resolvers}: bound and checked here so the
 * loader only asks which kind an entry is.
 */
final class DnsSections {

    /** An SRV name: labels of letters, digits, '-' and '_' (service and protocol labels start with '_'). */
    private static final String SRV_NAME = "[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?";

    private DnsSections() {}

    /**
     * Whether {@code b} is a DNS entry (then it is bound into {@code out}), after checking that it has
     * exactly one of {@code address}, {@code dns} and {@code dns-srv}, and only the keys its kind takes.
     */
    static boolean entry(Section b, List<DnsBackendConfig> out) {
        int kinds = (b.has("address") ? 1 : 0) + (b.has("dns") ? 1 : 0) + (b.has("dns-srv") ? 1 : 0);
        if (kinds == 0) {
            b.problem(null, "a backend needs one of address (one server), dns (host:port, its A/AAAA records) "
                    + "or dns-srv (an SRV name)");
            return true;
        }
        if (kinds > 1) {
            b.problem(null, "a backend takes one of address, dns and dns-srv, not several");
            return true;
        }
        if (b.has("address")) {
            for (String key : List.of("ttl", "hold")) {
                if (b.has(key)) {
                    b.problem(key, "applies to dns and dns-srv backends only");
                }
            }
            return false;
        }
        Section ttl = b.section("ttl");
        Duration min = ttl.duration("min");
        Duration max = ttl.duration("max");
        if (min != null && max != null && min.compareTo(max) > 0) {
            ttl.problem("min", Units.format(min) + " is more than max (" + Units.format(max) + ")");
        }
        Duration hold = b.duration("hold");
        int weight = b.integer("weight");
        boolean backup = b.bool("backup");
        if (b.has("dns")) {
            HostPort name = b.address("dns");
            if (name == null) {
                return true;
            }
            if (name.isWildcard() || isAddress(name.host())) {
                b.problem("dns", "'" + name.host() + "' is not a host name; write an address as address: " + name);
                return true;
            }
            add(b, "dns", new DnsBackendConfig(trimDot(name.host()), name.port(), false, min, max, hold, weight,
                    backup), out);
            return true;
        }
        String srv = b.string("dns-srv");
        for (String key : List.of("weight", "backup")) {
            if (b.has(key)) {
                b.problem(key, "SRV records carry their own weights and priorities (the lowest priority are "
                        + "primaries, the others backups)");
            }
        }
        if (srv == null || !srv.matches(SRV_NAME)) {
            b.problem("dns-srv", "'" + srv + "' is not an SRV name; expected e.g. _http._tcp.app.internal");
            return true;
        }
        add(b, "dns-srv", new DnsBackendConfig(trimDot(srv), 0, true, min, max, hold, 1, false), out);
        return true;
    }

    /** Adds {@code entry} unless the pool names it already (reported at this entry). */
    private static void add(Section b, String key, DnsBackendConfig entry, List<DnsBackendConfig> out) {
        for (DnsBackendConfig d : out) {
            if (d.label().equals(entry.label())) {
                b.problem(key, entry.label() + " is already an entry of this pool's backends");
                return;
            }
        }
        out.add(entry);
    }

    /** The top-level {@code resolvers}: DNS servers as host:port (port 53 when left out); each bad one reported. */
    static List<HostPort> resolvers(Section top) {
        List<String> items = top.strings("resolvers");
        List<HostPort> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String text = items.get(i);
            String withPort = text.startsWith("[") ? (text.endsWith("]") ? text + ":53" : text)
                    : text.indexOf(':') < 0 ? text + ":53" : text.chars().filter(c -> c == ':').count() > 1
                    ? "[" + text + "]:53" : text;
            try {
                HostPort hp = HostPort.parse(withPort);
                if (!isAddress(hp.host())) {
                    top.itemProblem("resolvers", i, "'" + hp.host() + "' is not an IP address; a resolver is "
                            + "named by address, e.g. 127.0.0.1:53");
                    continue;
                }
                out.add(hp);
            } catch (IllegalArgumentException e) {
                top.itemProblem("resolvers", i, e.getMessage());
            }
        }
        return out;
    }

    private static boolean isAddress(String host) {
        return host.matches("[0-9.]+") || host.indexOf(':') >= 0;
    }

    private static String trimDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
