package io.tandem.core.strategy;

import io.tandem.core.pool.Backend;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Round-robin: each live backend in turn, weights ignored. Stateless, so a singleton. */
final class RoundRobinStrategy implements BalancingStrategy {

    static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

    private RoundRobinStrategy() {}

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        // Carry the sequence over so a membership change does not send the next
        // request of every event loop to the first backend.
        AtomicInteger sequence = previous instanceof RoundRobinPicker
                ? ((RoundRobinPicker) previous).sequence : new AtomicInteger();
        return new RoundRobinPicker(live.toArray(new Backend[0]), sequence);
    }

    private static final class RoundRobinPicker implements Picker {
        private final Backend[] backends;
        private final AtomicInteger sequence;

        RoundRobinPicker(Backend[] backends, AtomicInteger sequence) {
            this.backends = backends;
            this.sequence = sequence;
        }

        @Override
        public Backend pick(RequestContext request) {
            if (backends.length == 0) {
                return null;
            }
            // The mask keeps the index non-negative after the counter wraps.
            return backends[(sequence.getAndIncrement() & Integer.MAX_VALUE) % backends.length];
        }
    }
}
