package io.tandem.server.health;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
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

    /**
     * The probe a pool's {@code health} section asks for, over the pool's TLS
     * ({@code tls} null: none); {@code proxyProtocol}: the pool's PROXY protocol
     * version (each check starts with a header of its own, before any TLS, so a
     * backend that requires one can be checked), or null.
     */
    static HealthProbe of(HealthConfig config, Transport transport, BackendTls tls,
                          HAProxyProtocolVersion proxyProtocol) {
        return of(config, transport, tls, proxyProtocol, false);
    }

    /**
     * The same for a pool that speaks HTTP/2 to its backends when {@code http2} ({@code h2c}, or {@code h2} with
     * {@code tls}): its HTTP checks are HTTP/2 requests on that transport, as its traffic is.
     */
    static HealthProbe of(HealthConfig config, Transport transport, BackendTls tls,
                          HAProxyProtocolVersion proxyProtocol, boolean http2) {
        return switch (config.type()) {
            case HTTP -> http2 ? new Http2Probe(config, transport, tls, proxyProtocol)
                    : http(config, transport, tls, proxyProtocol);
            case TCP -> tcp(config, transport, tls, proxyProtocol);
            case SEND_EXPECT -> new SendExpectProbe(config, transport, tls, proxyProtocol);
            case REDIS -> new RedisProbe(config, transport, tls, proxyProtocol);
            case MYSQL -> new MysqlProbe(config, transport, tls, proxyProtocol);
            case POSTGRES -> new PostgresProbe(config, transport, tls, proxyProtocol);
            case GRPC -> new GrpcProbe(config.service(), transport, tls, proxyProtocol);
        };
    }

    /** An HTTP request; passes on an expected status (and body substring, if configured). */
    static HealthProbe http(HealthConfig config, Transport transport, BackendTls tls,
                            HAProxyProtocolVersion proxyProtocol) {
        return new HttpProbe(config, transport, tls, proxyProtocol);
    }

    /**
     * A TCP connect (and TLS handshake with {@code tls}); passes when the
     * connection is accepted, and with {@code proxyProtocol} once the PROXY header is sent.
     */
    static HealthProbe tcp(HealthConfig config, Transport transport, BackendTls tls,
                           HAProxyProtocolVersion proxyProtocol) {
        return new TcpProbe(transport, tls, proxyProtocol);
    }
}
