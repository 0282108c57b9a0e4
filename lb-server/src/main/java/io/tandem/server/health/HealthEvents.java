package io.tandem.server.health;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.health.StateChange;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.server.proxy.BackendConnectionsControl;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does when a backend's state changes: one log line, the
 * ejection counter, closing the idle pooled connections of a backend that
 * left rotation (on every event loop, through {@code execute}), and the timer
 * that returns an ejected backend. Called under the pool health's lock from
 * whichever thread made the change; never blocks.
 */
public final class HealthEvents implements PoolHealth.Listener {

    private static final Logger log = LoggerFactory.getLogger("io.tandem.health");

    private final EventLoopGroup group;
    private final PoolMeters meters;
    private volatile PoolHealth health;

    public HealthEvents(EventLoopGroup group, PoolMeters meters) {
        this.group = group;
        this.meters = meters;
    }

    /** The pool health this listener serves (made with this listener, so set after). */
    public void attach(PoolHealth health) {
        this.health = health;
    }

    @Override
    public void stateChanged(StateChange c) {
        String line = "pool {} backend {} {} -> {}: {}";
        Object[] args = {c.pool(), c.backend().id(), c.fromLabel(), c.to().label(), c.reason()};
        if (c.to() == BackendState.DOWN || c.to() == BackendState.EJECTED) {
            log.warn(line, args);
        } else {
            log.info(line, args);
        }
        if (c.to() != BackendState.UP && !group.isShuttingDown()) {
            Backend b = c.backend();
            for (EventExecutor loop : group) {
                loop.execute(() -> BackendConnectionsControl.closeIdle(b));
            }
        }
    }

    @Override
    public void ejected(Backend backend, Duration duration, String reason) {
        meters.ejection(backend);
    }

    @Override
    public void returnDueIn(long nanos) {
        scheduleReturn(nanos);
    }

    private void scheduleReturn(long delayNanos) {
        if (group.isShuttingDown()) {
            return;
        }
        group.next().schedule(() -> {
            long next = health.returnDue();
            if (next > 0) {
                scheduleReturn(next);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }
}
