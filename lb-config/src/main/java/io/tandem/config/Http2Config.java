package io.tandem.config;

import java.time.Duration;
import java.util.List;

/**
 * A listener's HTTP/2 to clients: whether it is offered and the limits each
 * client connection gets. Immutable.
 *
 * @param protocols            what the listener speaks, in the order ALPN offers them: {@code h2} and
 *                             {@code http/1.1}; on a plain listener {@code h2} means h2c (prior knowledge and
 *                             {@code Upgrade: h2c})
 * @param maxConcurrentStreams streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS)
 * @param maxHeaderListSize    decoded size of one request's header list (SETTINGS_MAX_HEADER_LIST_SIZE);
 *                             beyond it the stream is refused with 431, beyond a quarter more the connection
 *                             gets GOAWAY (an HPACK bomb, a CONTINUATION flood)
 * @param maxFrameSize         largest frame payload the client may send (SETTINGS_MAX_FRAME_SIZE)
 * @param initialWindowSize    flow-control window of each request stream (SETTINGS_INITIAL_WINDOW_SIZE): the
 *                             request body bytes one stream may have in flight
 * @param connectionWindowSize flow-control window of the whole connection
 * @param maxResets            RST_STREAM frames a client may send within {@code resetWindow} (rapid reset,
 *                             CVE-2023-44487); beyond it GOAWAY ENHANCE_YOUR_CALM
 * @param resetWindow          the window {@code maxResets} counts in (whole seconds)
 * @param maxControlFrames     PING and SETTINGS frames a client may send per second (floods); beyond it
 *                             GOAWAY ENHANCE_YOUR_CALM. Control frames queued unsent (a client that does not
 *                             read its PING and SETTINGS acknowledgements) are capped at 10000 as well.
 * @param stallTimeout         how long a client may keep a response waiting on a zero flow-control window
 *                             before its connection gets GOAWAY ENHANCE_YOUR_CALM
 */
public record Http2Config(
        List<Protocol> protocols,
        int maxConcurrentStreams,
        int maxHeaderListSize,
        int maxFrameSize,
        int initialWindowSize,
        int connectionWindowSize,
        int maxResets,
        Duration resetWindow,
        int maxControlFrames,
        Duration stallTimeout) {

    /** An application protocol a listener speaks. */
    public enum Protocol {
        H2("h2"), HTTP_1_1("http/1.1");

        private final String configName;

        Protocol(String configName) {
            this.configName = configName;
        }

        /** As written in the config and offered by ALPN. */
        public String configName() {
            return configName;
        }

        public static List<String> configNames() {
            return List.of(H2.configName, HTTP_1_1.configName);
        }

        public static Protocol fromConfig(String name) {
            for (Protocol p : values()) {
                if (p.configName.equals(name)) {
                    return p;
                }
            }
            return null;
        }
    }

    public Http2Config {
        protocols = List.copyOf(protocols);
    }

    /** The defaults of a listener with or without TLS (h2 is offered by default over TLS only). */
    public static Http2Config defaults(boolean tls) {
        return new Http2Config(tls ? List.of(Protocol.H2, Protocol.HTTP_1_1) : List.of(Protocol.HTTP_1_1),
                Defaults.H2_MAX_CONCURRENT_STREAMS, Defaults.H2_MAX_HEADER_LIST_SIZE, Defaults.H2_MAX_FRAME_SIZE,
                Defaults.H2_INITIAL_WINDOW_SIZE, Defaults.H2_CONNECTION_WINDOW_SIZE, Defaults.H2_MAX_RESETS,
                Defaults.H2_RESET_WINDOW, Defaults.H2_MAX_CONTROL_FRAMES, Defaults.H2_STALL_TIMEOUT);
    }

    /** Whether clients may speak HTTP/2 (h2 by ALPN, or h2c). */
    public boolean h2() {
        return protocols.contains(Protocol.H2);
    }

    /** Whether clients may speak HTTP/1.x. */
    public boolean http1() {
        return protocols.contains(Protocol.HTTP_1_1);
    }
}
