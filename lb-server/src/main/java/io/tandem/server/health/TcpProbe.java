package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.concurrent.Future;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.tls.BackendTls;
import java.time.Duration;

/**
 * Passes when the backend accepts a TCP connection within the timeout (and,
 * for a pool with TLS, completes the handshake); closes it at once. For a pool
 * that sends the PROXY protocol, the check header (v2 {@code LOCAL} or v1
 * {@code PROXY UNKNOWN}) is sent first and the check passes once it is
 * written, so a backend that requires a header sees one.
 */
final class TcpProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;

    TcpProbe(Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, loop.newPromise(), null);
    }
}
