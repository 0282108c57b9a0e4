package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The traffic of one listener: bytes read from and written to its clients,
 * its open client connections, and the answers it gives without a pool
 * (400, 408, 414, 431), and the connections it closed for their PROXY
 * protocol header. The byte and connection counts are {@link LongAdder}s
 * that every event loop adds to without contention; Prometheus reads their
 * sums at scrape time.
 */
public final class ListenerMeters {

    private final String name;
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final StatusCounters localAnswers;
    private final MeterRegistry registry;

    // The function counters are named without _total: the Prometheus registry appends it to counters.
    ListenerMeters(ProxyMetrics metrics, String name) {
        this.name = name;
        this.registry = metrics.registry();
        Tags tags = Tags.of("listener", name);
        FunctionCounter.builder("tandem_received_bytes", bytesReceived, LongAdder::sum)
                .description("Bytes read from client connections (request heads and bodies)")
                .tags(tags).register(metrics.registry());
        FunctionCounter.builder("tandem_sent_bytes", bytesSent, LongAdder::sum)
                .description("Bytes written to client connections (response heads and bodies)")
                .tags(tags).register(metrics.registry());
        Gauge.builder("tandem_client_connections", connections, LongAdder::sum)
                .description("Open client connections").tags(tags).register(metrics.registry());
        localAnswers = new StatusCounters(metrics.registry(), Tags.of("listener", name, "pool", "", "backend", ""));
    }

    public String name() {
        return name;
    }

    public void received(long bytes) {
        bytesReceived.add(bytes);
    }

    public void sent(long bytes) {
        bytesSent.add(bytes);
    }

    public void connectionOpened() {
        connections.increment();
    }

    public void connectionClosed() {
        connections.decrement();
    }

    /** Open client connections now. */
    public long connections() {
        return connections.sum();
    }

    /** Counts an answer this listener gave before any pool was chosen (a malformed or late request). */
    public void localAnswer(int status) {
        localAnswers.increment(status);
    }

    /**
     * Counts a request (or, for {@code listener-connections}, a connection)
     * refused by a limit: {@code body}, {@code rate}, {@code connections}. Only
     * refusals look the counter up, never admitted requests.
     */
    public void limited(String limit) {
        Counter.builder("tandem_limited_requests")
                .description("Requests refused by a route's limits (413 body, 429 rate or connections), and "
                        + "connections closed by the listener's connection cap (listener-connections), and requests refused "
                        + "because the event loop's share for new password checks was used up (password-checks)")
                .tags("listener", name, "limit", limit)
                .register(registry)
                .increment();
    }

    /**
     * Exports the per-client limit tables of this listener's current routes: how
     * many client addresses they remember, and how many they forgot because full
     * (counted per config load: a reload starts the tables afresh).
     */
    public void limitTables(DoubleSupplier clients, DoubleSupplier evictions) {
        if (registry.find("tandem_limit_clients").tags("listener", name).gauge() != null) {
            // A second runtime of the same name (the warm standby's path has one per real listener, all
            // named warm-up): the first one's series stands; registering again only makes Micrometer warn.
            return;
        }
        Gauge.builder("tandem_limit_clients", clients::getAsDouble)
                .description("Client addresses the per-client limit tables of the listener's routes remember")
                .tags("listener", name).register(registry);
        FunctionCounter.builder("tandem_limit_evictions", evictions, DoubleSupplier::getAsDouble)
                .description("Client addresses forgotten by full limit tables (least recently seen first)")
                .tags("listener", name).register(registry);
    }

    /**
     * Counts a connection closed for its PROXY protocol header, or the lack of
     * one. Rare and never on the request path, so the counter is looked up
     * here (made on first use) rather than kept.
     */
    public void proxyProtocolRejected(ProxyProtocolRejection reason) {
        Counter.builder("tandem_proxy_protocol_rejected_total")
                .description("Client connections closed for their PROXY protocol header, by listener and reason "
                        + "(untrusted source, missing, malformed, timeout)")
                .tags("listener", name, "reason", reason.label())
                .register(registry)
                .increment();
    }

    /**
     * Counts a client connection that speaks HTTP/2 ({@code h2} by ALPN, or {@code h2c}). Once per
     * connection, so looked up here.
     */
    public void http2Connection(String protocol) {
        Counter.builder("tandem_http2_connections")
                .description("Client connections that spoke HTTP/2, by protocol (h2 over TLS, h2c on plain)")
                .tags("listener", name, "protocol", protocol)
                .register(registry)
                .increment();
    }

    /**
     * Counts a GOAWAY this listener sent to an HTTP/2 client, by reason: {@code shutdown}, {@code reload},
     * {@code idle}, or an abuse ({@code control-frame-flood}, {@code stall}, {@code protocol-error},
     * {@code enhance-your-calm}: rapid reset and header floods as Netty's codec detects them).
     */
    public void http2GoAway(String reason) {
        Counter.builder("tandem_http2_goaways")
                .description("GOAWAY frames sent to HTTP/2 clients, by reason")
                .tags("listener", name, "reason", reason)
                .register(registry)
                .increment();
    }
}
