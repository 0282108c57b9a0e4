package io.tandem.server.proxy;

import io.tandem.config.ErrorPage;
import java.util.Map;

import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.tandem.config.PoolConfig;
import io.tandem.config.StickyConfig;
import io.tandem.server.tls.BackendTls;

/**
 * The settings of a pool that the proxy reads per request or per connection,
 * resolved once when the pool is built (at start and at each reload) into
 * plain values: no {@code Duration} conversion or {@code Optional} on the hot path.
 *
 * @param connectTimeoutMillis  {@code timeouts.connect}, as Netty's connect option takes it
 * @param responseTimeoutNanos  {@code timeouts.response}
 * @param idleTimeoutMillis     {@code timeouts.idle} of a backend connection
 * @param retries               backends tried after the first, at most
 * @param stickyCookie          the sticky-session cookie's name, or null when the pool is not sticky
 * @param tls                   HTTPS to the backends, built from the pool's {@code tls}; null for plain HTTP
 * @param proxyProtocol         the PROXY header each backend connection starts with, or null for none
 * @param errorPages            the pool's pages for 502, 503 and 504 by status (read only when Tandem answers)
 * @param h2c                   the pool speaks HTTP/2 to its backends ({@link Http2Backends}): {@code h2c}, or
 *                              {@code h2} when {@code tls} is set (whose context then selects h2 by ALPN)
 */
public record PoolSettings(int connectTimeoutMillis, long responseTimeoutNanos, long idleTimeoutMillis,
                           int retries, String stickyCookie, BackendTls tls, HAProxyProtocolVersion proxyProtocol,
                           Map<Integer, ErrorPage> errorPages, boolean h2c) {

    /** Settings of an HTTP/1.1 pool. */
    public PoolSettings(int connectTimeoutMillis, long responseTimeoutNanos, long idleTimeoutMillis, int retries,
                        String stickyCookie, BackendTls tls, HAProxyProtocolVersion proxyProtocol,
                        Map<Integer, ErrorPage> errorPages) {
        this(connectTimeoutMillis, responseTimeoutNanos, idleTimeoutMillis, retries, stickyCookie, tls,
                proxyProtocol, errorPages, false);
    }

    /** Settings with the built-in error answers. */
    public PoolSettings(int connectTimeoutMillis, long responseTimeoutNanos, long idleTimeoutMillis, int retries,
                        String stickyCookie, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this(connectTimeoutMillis, responseTimeoutNanos, idleTimeoutMillis, retries, stickyCookie, tls,
                proxyProtocol, Map.of());
    }

    /** Settings of a pool that speaks plain HTTP to its backends and sends no PROXY header. */
    public PoolSettings(int connectTimeoutMillis, long responseTimeoutNanos, long idleTimeoutMillis, int retries,
                        String stickyCookie) {
        this(connectTimeoutMillis, responseTimeoutNanos, idleTimeoutMillis, retries, stickyCookie, null, null);
    }

    /** {@code tls}: the context built from {@code config.tls()}, null exactly when the pool has none. */
    static PoolSettings of(PoolConfig config, BackendTls tls) {
        if (config.tls().isPresent() != (tls != null)) {
            throw new IllegalArgumentException("pool " + config.name() + (tls == null ? " has tls but no context"
                    : " has a TLS context but no tls section"));
        }
        return new PoolSettings((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()),
                config.responseTimeout().toNanos(), config.idleTimeout().toMillis(), config.retries(),
                config.sticky().map(StickyConfig::cookie).orElse(null), tls,
                ProxyHeaders.version(config.proxyProtocol().orElse(null)), config.errorPages(),
                config.protocol().http2());
    }
}
