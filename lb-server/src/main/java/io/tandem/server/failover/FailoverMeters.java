package io.tandem.server.failover;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tandem.core.failover.FailoverState;
import io.tandem.core.failover.Rejection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The failover meters of one node: role, transitions, heartbeats, failed actions, heartbeat-thread lateness. */
final class FailoverMeters {

    private final MeterRegistry registry;
    private final Map<FailoverState, Counter> transitions = new EnumMap<>(FailoverState.class);
    private final Map<Rejection, Counter> rejected = new EnumMap<>(Rejection.class);
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    final Counter sent;
    final Counter received;
    final Timer lateness;

    FailoverMeters(MeterRegistry registry, String node, Supplier<FailoverState> state) {
        this.registry = registry;
        Gauge.builder("tandem_failover_role", () -> state.get() == FailoverState.MASTER ? 1 : 0)
                .description("1 while this node is MASTER (holds the VIPs), else 0")
                .tag("node", node).register(registry);
        for (FailoverState s : FailoverState.values()) {
            Gauge.builder("tandem_failover_state", () -> state.get() == s ? 1 : 0)
                    .description("1 for this node's current failover state")
                    .tags("node", node, "state", s.name()).register(registry);
            transitions.put(s, Counter.builder("tandem_failover_transitions_total")
                    .description("Failover role changes, by the state entered").tag("to", s.name()).register(registry));
        }
        for (Rejection r : Rejection.values()) {
            rejected.put(r, Counter.builder("tandem_failover_heartbeats_rejected_total")
                    .description("Heartbeats dropped, by reason").tag("reason", r.label()).register(registry));
        }
        sent = Counter.builder("tandem_failover_heartbeats_sent_total").description("Heartbeats sent")
                .register(registry);
        received = Counter.builder("tandem_failover_heartbeats_received_total")
                .description("Heartbeats accepted (authenticated, in sequence)").register(registry);
        lateness = Timer.builder("tandem_failover_heartbeat_lateness_seconds")
                .description("How late the heartbeat thread woke after a heartbeat or timer was due "
                        + "(GC and scheduling pauses)")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100))
                .register(registry);
    }

    void transition(FailoverState to) {
        transitions.get(to).increment();
    }

    void rejected(Rejection why) {
        rejected.get(why).increment();
    }

    /** A failed ip, arping, notify or heartbeat send; {@code action} is the tag. */
    void failure(String action) {
        failures.computeIfAbsent(action, a -> Counter.builder("tandem_failover_action_failures_total")
                .description("Failed failover actions (ip, arping, notify, heartbeat send), by action")
                .tag("action", a).register(registry)).increment();
    }
}
