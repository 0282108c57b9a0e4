package io.tandem.config;

import java.util.Optional;

/**
 * What a pool speaks to its backends ({@code protocol}) against the pool's other keys, and the gRPC check's
 * {@code service}: each combination that cannot work is a problem where it is written.
 */
final class ProtocolSections {

    private ProtocolSections() {}

    /**
     * The pool's {@code protocol}. {@code h2} needs {@code tls} (it is HTTP/2 over TLS, chosen by ALPN) and
     * {@code h2c} refuses it (HTTP/2 in the clear); neither sends a PROXY header, as one connection carries
     * many clients' requests; a gRPC check of a pool with {@code tls} needs {@code h2}, since gRPC over TLS is
     * HTTP/2 by ALPN.
     */
    static PoolConfig.BackendProtocol protocol(Section pool, boolean tls, boolean proxyProtocol,
                                               Optional<HealthConfig> health) {
        PoolConfig.BackendProtocol protocol = PoolConfig.BackendProtocol.fromConfig(pool.choice("protocol"));
        if (protocol == PoolConfig.BackendProtocol.H2C && tls) {
            pool.problem("protocol", "h2c is HTTP/2 in the clear; for HTTP/2 over the pool's tls set protocol: h2");
        }
        if (protocol == PoolConfig.BackendProtocol.H2 && !tls) {
            pool.problem("protocol", "h2 is HTTP/2 over TLS and needs the pool's tls section (e.g. tls: { ca: "
                    + "/etc/tandem/backend-ca.pem }); for HTTP/2 in the clear set protocol: h2c");
        }
        if (protocol.http2() && proxyProtocol) {
            pool.problem("protocol", protocol.configName() + " shares one connection among many clients' requests: "
                    + "it cannot send a client's PROXY header");
        }
        if (protocol == PoolConfig.BackendProtocol.HTTP_1_1 && tls && health.isPresent()
                && health.get().type() == HealthConfig.Type.GRPC) {
            Section h = pool.section("health");
            h.problem("type", "gRPC over TLS is HTTP/2 chosen by ALPN, which this pool does not speak; "
                    + "set protocol: h2");
        }
        return protocol;
    }

    /**
     * A gRPC check's {@code service}: the name sent in {@code HealthCheckRequest.service}, empty (the
     * default) for the server as a whole; only for {@code type: grpc}, and without control characters.
     */
    static String grpcService(Section health, HealthConfig.Type type) {
        String service = health.string("service");
        if (service == null) {
            return "";
        }
        if (type != HealthConfig.Type.GRPC) {
            health.problem("service", "only applies to type: grpc (this check is type: " + type.configName() + ")");
            return "";
        }
        for (int i = 0; i < service.length(); i++) {
            if (Character.isISOControl(service.charAt(i))) {
                health.problem("service", "holds a control character; expected a gRPC service name, e.g. "
                        + "service: my.package.Orders");
                return "";
            }
        }
        return service;
    }
}
