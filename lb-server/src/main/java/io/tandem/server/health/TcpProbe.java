package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import java.time.Duration;

/** Passes when the backend accepts a TCP connection within the timeout; closes it at once. */
final class TcpProbe implements HealthProbe {

    private final Transport transport;

    TcpProbe(Transport transport) {
        this.transport = transport;
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        return ProbeAttempt.start(loop, transport, backend, timeout, loop.newPromise(), null);
    }
}
