package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TLS meters of one listener: handshakes by protocol and cipher,
 * handshake failures by a small fixed set of reasons, and the seconds each
 * certificate has left. One per listener name, kept across reloads like
 * {@link ListenerMeters}. Handshake counts are touched once per connection,
 * never per request; thread-safe.
 */
public final class TlsMeters {

    /** Why a handshake failed; the label values of {@code tandem_tls_handshake_failures_total}. */
    public enum Failure {
        /** The client offered no cipher suite (or signature algorithm) the listener accepts. */
        NO_SHARED_CIPHER,
        /** The client offered only versions the listener refuses (TLS 1.0/1.1, or 1.2 under min-version 1.3). */
        PROTOCOL_VERSION,
        /** strict-sni: no SNI, or a name no certificate covers. */
        UNKNOWN_SNI,
        /** A client certificate was missing, malformed or not trusted. */
        BAD_CERTIFICATE,
        /** No complete handshake within the listener's header timeout. */
        TIMEOUT,
        /** Anything else: not TLS at all, a malformed ClientHello, the client closing mid-handshake. */
        OTHER;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ProxyMetrics metrics;
    private final String listener;
    private final Map<Failure, Counter> failures = new EnumMap<>(Failure.class);
    /** Handshake counters by "protocol cipher": a few combinations per listener. */
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private List<Meter> expiry = List.of();

    TlsMeters(ProxyMetrics metrics, String listener) {
        this.metrics = metrics;
        this.listener = listener;
        for (Failure f : Failure.values()) {
            failures.put(f, Counter.builder("tandem_tls_handshake_failures_total")
                    .description("TLS handshakes that failed, by listener and reason")
                    .tags("listener", listener, "reason", f.label()).register(metrics.registry()));
        }
    }

    /** Counts a completed handshake. */
    public void handshake(String protocol, String cipher) {
        handshakes.computeIfAbsent(protocol + " " + cipher, k -> Counter.builder("tandem_tls_handshakes_total")
                .description("Completed TLS handshakes, by listener, protocol and cipher suite")
                .tags("listener", listener, "protocol", protocol, "cipher", cipher)
                .register(metrics.registry())).increment();
    }

    public void failure(Failure reason) {
        failures.get(reason).increment();
    }

    /**
     * Replaces the expiry gauges with those of {@code certificates} (by their {@code cert} file): a
     * reload that renews or removes a certificate leaves no gauge of the old one behind.
     *
     * @param certificates each certificate's file and the end of its validity
     */
    public synchronized void certificates(Map<String, Instant> certificates) {
        expiry.forEach(metrics.registry()::remove);
        List<Meter> gauges = new ArrayList<>();
        certificates.forEach((file, notAfter) -> gauges.add(Gauge.builder("tandem_tls_certificate_expiry_seconds",
                        () -> (notAfter.toEpochMilli() - System.currentTimeMillis()) / 1000.0)
                .description("Seconds until the certificate's notAfter (negative once expired)")
                .tags(Tags.of("listener", listener, "certificate", file)).register(metrics.registry())));
        expiry = List.copyOf(gauges);
    }
}
