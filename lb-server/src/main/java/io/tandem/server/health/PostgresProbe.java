package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.config.HealthConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.tls.BackendTls;
import java.time.Duration;

/**
 * A PostgreSQL check: sends the StartupMessage of the check user and
 * database. The server passes when it asks for authentication (any method:
 * it accepts sessions; the check sends no password and leaves) or, under
 * {@code trust}, logs the user in and reports ReadyForQuery (the check then
 * sends Terminate). An ErrorResponse fails it with its severity, code and
 * message: {@code 57P03} while starting up or in recovery without hot
 * standby, {@code 53300} too many clients, {@code 28000} no pg_hba.conf
 * entry for the balancer.
 */
final class PostgresProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    private final String user;
    private final String database;

    PostgresProbe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.user = config.user();
        this.database = config.database() == null ? config.user() : config.database();
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Conversation(promise) {
                    private boolean loggedIn;
                    /** The check has its verdict and is closing: the rest of the answer is not read. */
                    private boolean left;

                    @Override
                    void opened(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(PostgresMessages.startup(user, database));
                    }

                    @Override
                    ProbeResult received(ChannelHandlerContext ctx, ByteBuf answer) {
                        try {
                            PostgresMessages.Message m;
                            while (!left && (m = PostgresMessages.read(answer)) != null) {
                                try {
                                    ProbeResult verdict = judge(ctx, m);
                                    if (verdict != null) {
                                        return verdict;
                                    }
                                } finally {
                                    m.body().release();
                                }
                            }
                            return null;
                        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                            return ProbeResult.fail("not a PostgreSQL answer: " + e.getMessage());
                        }
                    }

                    private ProbeResult judge(ChannelHandlerContext ctx, PostgresMessages.Message m) {
                        switch (m.type()) {
                            case 'R' -> {
                                String method = PostgresMessages.authMethod(m.body());
                                if (!method.equals("ok")) {
                                    // It takes sessions; without a password the check leaves here (the
                                    // server logs nothing for a client that goes before its password).
                                    left = true;
                                    return leave(ctx, null, ProbeResult.pass("asks for " + method));
                                }
                                loggedIn = true;
                                return null;
                            }
                            case 'Z' -> {
                                left = true;
                                return leave(ctx, PostgresMessages.terminate(),
                                        ProbeResult.pass("ready for queries as " + user));
                            }
                            case 'E' -> {
                                return ProbeResult.fail(PostgresMessages.error(m.body()));
                            }
                            case 'S', 'K', 'N' -> {
                                // Parameter status, the cancel key, notices: on to ReadyForQuery.
                                return loggedIn || m.type() == 'N' ? null
                                        : ProbeResult.fail("PostgreSQL sent '" + m.type() + "' before authentication");
                            }
                            default -> {
                                return ProbeResult.fail("PostgreSQL answered with message type '"
                                        + SendExpectProbe.printable(String.valueOf(m.type())) + "'");
                            }
                        }
                    }
                });
    }
}
