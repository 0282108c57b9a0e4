package io.tandem.server.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * What a finished request records for one (listener, pool, backend): its
 * status counter and its duration. {@link #OFF} when request metrics are
 * switched off, so the proxy calls the same method either way.
 */
public interface RequestMeters {

    RequestMeters OFF = new RequestMeters() {
        @Override
        public void record(int status, long nanos) {}

        @Override
        public long responses(int minStatus) {
            return 0;
        }
    };

    /** Counts a response with {@code status} that took {@code nanos} from request head to response end. */
    void record(int status, long nanos);

    /** Responses recorded with a status of {@code minStatus} or above (0: all). */
    long responses(int minStatus);

    /** The real meters. Thread-safe; one per (listener, pool, backend). */
    final class Recording implements RequestMeters {
        private final StatusCounters counters;
        private final Timer duration;

        Recording(PrometheusMeterRegistry registry, String listener, String pool, String backend) {
            Tags tags = Tags.of("listener", listener, "pool", pool, "backend", backend);
            this.counters = new StatusCounters(registry, tags);
            this.duration = Timer.builder("tandem_request_duration_seconds")
                    .description("Time from request head received to response end")
                    .tags(tags)
                    .serviceLevelObjectives(ProxyMetrics.buckets())
                    .register(registry);
        }

        @Override
        public void record(int status, long nanos) {
            counters.increment(status);
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public long responses(int minStatus) {
            return counters.count(minStatus);
        }
    }
}
