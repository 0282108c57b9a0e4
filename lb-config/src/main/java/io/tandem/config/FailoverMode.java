package io.tandem.config;

import java.util.List;
import java.util.Locale;

/**
 * How a node shares its VIPs with other nodes: two nodes of which one holds them, or N active nodes that
 * each announce them to a router by BGP.
 */
public enum FailoverMode {
    /** Active/passive: heartbeats elect the MASTER, which adds the VIPs to its interface. */
    PAIR,
    /** Active/active: every ready node announces the VIPs through a routing daemon; the router spreads flows. */
    ANNOUNCE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static List<String> configNames() {
        return List.of(PAIR.configName(), ANNOUNCE.configName());
    }

    static FailoverMode fromConfig(String text) {
        return text == null ? PAIR : valueOf(text.toUpperCase(Locale.ROOT));
    }
}
