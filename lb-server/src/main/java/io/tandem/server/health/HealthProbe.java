package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.tandem.config.HealthConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.tls.BackendTls;
import java.time.Duration;

/**
 * One kind of active check. A probe opens its own short-lived connection to
 * the backend on the given event loop, never a pooled one, and always ends
 * within {@code timeout} with a {@link ProbeResult} (the future never fails).
 */
public interface HealthProbe {

    Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout);

    /** The probe a pool's {@code health} section asks for, over the pool's TLS ({@code tls} null: none). */
    static HealthProbe of(HealthConfig config, Transport transport, BackendTls tls) {
        return config.type() == HealthConfig.Type.TCP ? tcp(config, transport, tls) : http(config, transport, tls);
    }

    /** An HTTP request; passes on an expected status (and body substring, if configured). */
    static HealthProbe http(HealthConfig config, Transport transport, BackendTls tls) {
        return new HttpProbe(config, transport, tls);
    }

    /** A TCP connect (and TLS handshake with {@code tls}); passes when the connection is accepted. */
    static HealthProbe tcp(HealthConfig config, Transport transport, BackendTls tls) {
        return new TcpProbe(transport, tls);
    }
}
