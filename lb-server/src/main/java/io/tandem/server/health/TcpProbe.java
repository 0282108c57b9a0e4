package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.tls.BackendTls;
import java.time.Duration;

/**
 * Passes when the backend accepts a TCP connection within the timeout (and,
 * for a pool with TLS, completes the handshake); closes it at once.
 */
final class TcpProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;

    TcpProbe(Transport transport, BackendTls tls) {
        this.transport = transport;
        this.tls = tls;
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, loop.newPromise(), null);
    }
}
