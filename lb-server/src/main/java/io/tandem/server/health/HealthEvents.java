package io.tandem.server.health;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.core.health.PoolHealth;
import io.tandem.core.health.StateChange;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.server.metrics.PoolMeters;
import io.tandem.config.Units;
import io.tandem.server.proxy.BackendConnectionsControl;
import io.tandem.server.proxy.TcpSessions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does when a backend's state changes: one log line, the
 * ejection counter, closing the idle pooled connections of a backend that
 * left rotation (on every event loop, through {@code execute}), closing the
 * TCP sessions of a backend that went down once the pool's {@code on-down}
 * grace has passed, and the timer that returns an ejected backend. Called
 * under the pool health's lock from whichever thread made the change; never
 * blocks.
 */
public final class HealthEvents implements PoolHealth.Listener {

    private static final Logger log = LoggerFactory.getLogger("io.tandem.health");

    private final EventLoopGroup group;
    private final PoolMeters meters;
    private volatile java.util.function.BiConsumer<Backend, Duration> onEjected;
    private volatile java.util.function.BiConsumer<Backend, Boolean> onChecked;
    /** The pool's {@code on-down.close-connections-after}, or null: sessions to a down backend run on. */
    private final Duration closeOnDownAfter;
    private volatile PoolHealth health;

    public HealthEvents(EventLoopGroup group, PoolMeters meters) {
        this(group, meters, null);
    }

    /** @param closeOnDownAfter how long after a backend goes down its TCP sessions are closed; null for never */
    public HealthEvents(EventLoopGroup group, PoolMeters meters, Duration closeOnDownAfter) {
        this.group = group;
        this.meters = meters;
        this.closeOnDownAfter = closeOnDownAfter;
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
        if (c.to() == BackendState.DOWN && closeOnDownAfter != null && !group.isShuttingDown()) {
            closeSessionsLater(c.pool(), c.backend());
        }
    }

    /**
     * After the grace, closes the TCP sessions to {@code b} on every loop, unless it came back up (or was
     * taken out for another reason) meanwhile: clients reconnect and reach a backend that is up.
     */
    private void closeSessionsLater(String pool, Backend b) {
        for (EventExecutor loop : group) {
            loop.schedule(() -> {
                if (b.state() != BackendState.DOWN) {
                    return;
                }
                int closed = TcpSessions.closeAll(b);
                if (closed > 0) {
                    log.warn("pool {} backend {} down for {}: closed {} connection(s) (on-down)", pool, b.id(),
                            Units.format(closeOnDownAfter), closed);
                }
            }, closeOnDownAfter.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void ejected(Backend backend, Duration duration, String reason) {
        meters.ejection(backend);
        java.util.function.BiConsumer<Backend, Duration> tell = onEjected;
        if (tell != null) {
            tell.accept(backend, duration);
        }
    }

    /** Tells {@code listener} of each ejection this pool's traffic causes (the pair's state sync). */
    public void onEjected(java.util.function.BiConsumer<Backend, Duration> listener) {
        this.onEjected = listener;
    }

    /** Tells {@code listener} each verdict of this node's own active checks (true: up). */
    public void onChecked(java.util.function.BiConsumer<Backend, Boolean> listener) {
        this.onChecked = listener;
    }

    @Override
    public void checkVerdict(Backend backend, boolean up) {
        java.util.function.BiConsumer<Backend, Boolean> tell = onChecked;
        if (tell != null) {
            tell.accept(backend, up);
        }
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
