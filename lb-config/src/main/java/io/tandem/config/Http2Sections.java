package io.tandem.config;

import java.util.ArrayList;
import java.util.List;

/** A listener's {@code protocols} and {@code http2} keys: what it speaks and the limits of its HTTP/2 connections. */
final class Http2Sections {

    private Http2Sections() {}

    /** @param tls whether the listener has a {@code tls} section (h2 is then on by default) */
    static Http2Config http2(Section listener, boolean tls) {
        Http2Config defaults = Http2Config.defaults(tls);
        List<Http2Config.Protocol> protocols = new ArrayList<>();
        if (listener.has("protocols")) {
            List<String> names = listener.strings("protocols");
            for (int i = 0; i < names.size(); i++) {
                Http2Config.Protocol p = Http2Config.Protocol.fromConfig(names.get(i));
                if (p == null) {
                    listener.itemProblem("protocols", i, "'" + names.get(i) + "' is not a protocol; expected one of "
                            + String.join(", ", Http2Config.Protocol.configNames()));
                } else if (protocols.contains(p)) {
                    listener.itemProblem("protocols", i, "'" + names.get(i) + "' is listed twice");
                } else {
                    protocols.add(p);
                }
            }
        }
        if (protocols.isEmpty()) {
            protocols = defaults.protocols();
        }
        Section h = listener.section("http2");
        return new Http2Config(protocols, h.integer("max-concurrent-streams"), (int) h.size("max-header-list-size"),
                (int) h.size("max-frame-size"), (int) h.size("initial-window-size"),
                (int) h.size("connection-window-size"), h.integer("max-resets"), h.duration("reset-window"),
                h.integer("max-control-frames"), h.duration("stall-timeout"));
    }
}
