package io.tandem.config;

import java.util.List;
import java.util.Locale;

/** What a listener carries: HTTP requests, or the bytes of any TCP protocol. */
public enum ListenerMode {
    /** HTTP/1.x requests, each routed and balanced on its own. */
    HTTP,
    /** Each client connection is forwarded as bytes to one backend of the pool, chosen at connect. */
    TCP;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static List<String> configNames() {
        return List.of(HTTP.configName(), TCP.configName());
    }

    static ListenerMode fromConfig(String text) {
        return text == null ? HTTP : valueOf(text.toUpperCase(Locale.ROOT));
    }
}
