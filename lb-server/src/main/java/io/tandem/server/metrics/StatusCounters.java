package io.tandem.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code tandem_requests_total} counters of one tag set, one per status
 * code, made the first time a code is seen and then read from an array: the
 * request path does one array read, never a registry lookup.
 *
 * <p>Thread-safe: event loops racing on a new code both register it and the
 * registry returns the same counter to both.
 */
final class StatusCounters {

    private final MeterRegistry registry;
    private final Tags tags;
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600);

    StatusCounters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    void increment(int status) {
        int code = status >= 100 && status < 600 ? status : 0;
        Counter c = byStatus.get(code);
        if (c == null) {
            c = Counter.builder(ProxyMetrics.REQUESTS).description(ProxyMetrics.REQUESTS_HELP)
                    .tags(tags).tag("code", Integer.toString(status)).register(registry);
            byStatus.set(code, c);
        }
        c.increment();
    }

    /** Responses counted so far, all codes ({@code total}) or those of {@code minStatus} and above. */
    long count(int minStatus) {
        long n = 0;
        for (int i = Math.max(minStatus, 0); i < byStatus.length(); i++) {
            Counter c = byStatus.get(i);
            if (c != null) {
                n += (long) c.count();
            }
        }
        return n;
    }
}
