package io.tandem.config;

import java.util.List;
import java.util.Locale;

/** The PROXY protocol header a pool sends at the start of each backend connection. */
public enum ProxyProtocolVersion {
    /** The text header: {@code PROXY TCP4 src dst sport dport\r\n}. */
    V1,
    /** The binary header, which HAProxy recommends (cheaper to parse, carries IPv6 without text). */
    V2;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static List<String> configNames() {
        return List.of(V1.configName(), V2.configName());
    }

    /** The version a config word names; null for null (the pool sends none). */
    static ProxyProtocolVersion fromConfig(String text) {
        return text == null ? null : valueOf(text.toUpperCase(Locale.ROOT));
    }
}
