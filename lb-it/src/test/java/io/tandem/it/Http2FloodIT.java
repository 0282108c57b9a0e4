package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The published HTTP/2 attacks against the built jar, each from a raw client that writes the frames
 * itself: rapid reset, PING and SETTINGS floods, a CONTINUATION flood, an HPACK bomb and a zero-window
 * stall. Each abusive connection gets GOAWAY with its error code (the HPACK bomb: 431 on its stream), and
 * a well-behaved client on another connection gets 200 right after.
 */
class Http2FloodIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        lb.config()
                .listener("h2c", "web", l -> l.set("protocols", "[h2]").set("http2", "{ max-resets: 20, "
                        + "reset-window: 30s, max-control-frames: 20, max-header-list-size: 4KiB, stall-timeout: 1s }"))
                .pool("web", p -> p.backend(a));
        lb.start();
    }

    /** A well-behaved client on its own connection: a GET answered 200 by the backend. */
    private static void wellBehavedClientServed() throws Exception {
        try (NettyH2Client client = new NettyH2Client(lb.port("h2c"))) {
            NettyH2Client.Response r = client.get("app.test", "/fine");
            assertThat(r.done.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello from a");
        }
    }

    private static double goAways(String reason) {
        PrometheusText m = lb.admin().metrics();
        return m.has("tandem_http2_goaways_total", "listener", "h2c", "reason", reason)
                ? m.value("tandem_http2_goaways_total", "listener", "h2c", "reason", reason) : 0;
    }

    /** Writes frames until the server stops taking them (it closed the connection) or {@code count} are sent. */
    private interface Flood {
        void frame(H2Wire wire, int i) throws IOException;
    }

    private static H2Wire.Frame flood(H2Wire wire, int count, Flood flood) throws IOException {
        try {
            for (int i = 0; i < count; i++) {
                flood.frame(wire, i);
            }
            wire.flush();
        } catch (IOException e) {
            // Reset by the server mid-flood: its GOAWAY is read below, if it came before.
        }
        return wire.awaitGoAway(Duration.ofSeconds(10));
    }

    // Rapid reset (CVE-2023-44487): streams opened and reset at once, beyond max-resets: GOAWAY ENHANCE_YOUR_CALM.
    @Test
    void rapidReset() throws Exception {
        try (H2Wire wire = new H2Wire(lb.port("h2c"))) {
            H2Wire.Frame goAway = flood(wire, 100, (w, i) -> {
                int stream = 1 + 2 * i;
                w.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, stream,
                        H2Wire.get("app.test", "/reset/" + i));
                w.frame(H2Wire.RST_STREAM, 0, stream, new byte[] {0, 0, 0, H2Wire.CANCEL});
            });
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
            assertThat(wire.closedWithin(Duration.ofSeconds(10))).isTrue();
        }
        wellBehavedClientServed();
        assertThat(goAways("enhance-your-calm")).isGreaterThanOrEqualTo(1.0);
    }

    // A PING flood beyond max-control-frames a second: GOAWAY ENHANCE_YOUR_CALM, counted as control-frame-flood.
    @Test
    void pingFlood() throws Exception {
        double before = goAways("control-frame-flood");
        try (H2Wire wire = new H2Wire(lb.port("h2c"))) {
            H2Wire.Frame goAway = flood(wire, 200, (w, i) -> w.frame(H2Wire.PING, 0, 0, new byte[8]));
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
            assertThat(wire.closedWithin(Duration.ofSeconds(10))).isTrue();
        }
        wellBehavedClientServed();
        assertThat(goAways("control-frame-flood") - before).isEqualTo(1.0);
    }

    // A SETTINGS flood likewise.
    @Test
    void settingsFlood() throws Exception {
        double before = goAways("control-frame-flood");
        try (H2Wire wire = new H2Wire(lb.port("h2c"))) {
            H2Wire.Frame goAway = flood(wire, 200, (w, i) -> w.frame(H2Wire.SETTINGS, 0, 0, new byte[0]));
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
        }
        wellBehavedClientServed();
        assertThat(goAways("control-frame-flood") - before).isEqualTo(1.0);
    }

    // A CONTINUATION flood (CVE-2024-27316 class): a header block that never ends, beyond the header list limit
    // by a quarter: GOAWAY PROTOCOL_ERROR before it is decoded.
    @Test
    void continuationFlood() throws Exception {
        double before = goAways("protocol-error");
        try (H2Wire wire = new H2Wire(lb.port("h2c"))) {
            byte[] first = H2Wire.get("app.test", "/continued");
            wire.frame(H2Wire.HEADERS, H2Wire.END_STREAM, 1, first);
            H2Wire.Frame goAway = flood(wire, 1000, (w, i) -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                H2Wire.literal(b, "x-filler-" + i, "f".repeat(1000));
                w.frame(H2Wire.CONTINUATION, 0, 1, b.toByteArray());
            });
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo(H2Wire.PROTOCOL_ERROR);
        }
        wellBehavedClientServed();
        assertThat(goAways("protocol-error") - before).isEqualTo(1.0);
    }

    // An HPACK bomb: one 3,000-byte field entered in the dynamic table, then referenced 200 times in one byte
    // each (600 KB decoded from 3 KB). The stream gets 431 without the headers being built; the connection
    // carries the next stream.
    @Test
    void hpackBomb() throws Exception {
        try (H2Wire wire = new H2Wire(lb.port("h2c"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(H2Wire.get("app.test", "/bomb"));
            H2Wire.indexedLiteral(b, "x-bomb", "b".repeat(3000));
            for (int i = 0; i < 200; i++) {
                H2Wire.indexed(b, 62);
            }
            wire.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, 1, b.toByteArray());
            wire.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, 3, H2Wire.get("app.test", "/after"));
            wire.flush();
            DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
            List<String> statuses = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (statuses.size() < 2 && System.nanoTime() < deadline) {
                H2Wire.Frame f = wire.read(Duration.ofSeconds(10));
                assertThat(f).as("the connection stays open").isNotNull();
                assertThat(f.type()).as("no GOAWAY").isNotEqualTo(H2Wire.GOAWAY);
                if (f.type() == H2Wire.HEADERS) {
                    Http2Headers h = decoder.decodeHeaders(f.stream(), Unpooled.wrappedBuffer(f.payload()));
                    if (h.status() != null) {
                        statuses.add(f.stream() + ":" + h.status());
                    }
                }
            }
            assertThat(statuses).containsExactly("1:431", "3:200");
        }
    }

    // A client that opens no flow-control window for a response: after stall-timeout, GOAWAY ENHANCE_YOUR_CALM.
    @Test
    void zeroWindowStall() throws Exception {
        double before = goAways("stall");
        try (H2Wire wire = new H2Wire(lb.port("h2c"), H2Wire.setting(4, 0))) {
            wire.frame(H2Wire.HEADERS, H2Wire.END_STREAM | H2Wire.END_HEADERS, 1,
                    H2Wire.get("app.test", "/sized?bytes=100000"));
            wire.flush();
            long start = System.nanoTime();
            H2Wire.Frame goAway = wire.awaitGoAway(Duration.ofSeconds(15));
            assertThat(goAway).isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                    Duration.ofSeconds(5));
        }
        wellBehavedClientServed();
        assertThat(goAways("stall") - before).isEqualTo(1.0);
    }
}
