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
 * A MySQL/MariaDB check, as HAProxy's {@code mysql-check} with a user: read
 * the server's greeting, log in as the check user (no password), and on OK
 * leave with {@code COM_QUIT}. Every check is a complete, clean session, so
 * the server counts no aborted connection and never blocks the balancer's
 * address for {@code max_connect_errors}; a connection closed after the
 * greeting without a login would count as one. An ERR instead of the
 * greeting (too many connections, a blocked host) or after the login
 * (access denied) fails the check with the server's message.
 */
final class MysqlProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    private final String user;

    MysqlProbe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.user = config.user();
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Conversation(promise) {
                    private MysqlPackets.Greeting greeting;
                    private boolean switched;

                    @Override
                    void opened(ChannelHandlerContext ctx) {
                        // The server speaks first.
                    }

                    @Override
                    ProbeResult received(ChannelHandlerContext ctx, ByteBuf answer) {
                        MysqlPackets.Packet packet = MysqlPackets.read(answer);
                        if (packet == null) {
                            return null;
                        }
                        try {
                            return greeting == null ? greeted(ctx, packet) : answered(ctx, packet);
                        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                            return ProbeResult.fail("not a MySQL answer: " + e.getMessage());
                        } finally {
                            packet.payload().release();
                        }
                    }

                    private ProbeResult greeted(ChannelHandlerContext ctx, MysqlPackets.Packet packet) {
                        if (packet.kind() == 0xFF) {
                            return ProbeResult.fail("MySQL error " + MysqlPackets.error(packet.payload()));
                        }
                        greeting = MysqlPackets.greeting(packet.payload());
                        if ((greeting.capabilities() & MysqlPackets.CLIENT_PROTOCOL_41) == 0) {
                            return ProbeResult.fail("MySQL " + greeting.serverVersion() + " lacks protocol 4.1");
                        }
                        ctx.writeAndFlush(MysqlPackets.login(packet.sequence() + 1, user, greeting));
                        return null;
                    }

                    private ProbeResult answered(ChannelHandlerContext ctx, MysqlPackets.Packet packet) {
                        switch (packet.kind()) {
                            case 0x00 -> {
                                // Logged in: leave cleanly, so the server counts a normal session.
                                return leave(ctx, MysqlPackets.quit(),
                                        ProbeResult.pass(greeting.serverVersion() + ", logged in as " + user));
                            }
                            case 0xFF -> {
                                return ProbeResult.fail("MySQL error " + MysqlPackets.error(packet.payload()));
                            }
                            case 0xFE -> {
                                if (switched) {
                                    return ProbeResult.fail("MySQL asked twice to switch the authentication method");
                                }
                                // Another auth method for this user: an empty password is empty data in any.
                                switched = true;
                                ctx.writeAndFlush(MysqlPackets.emptyAuthData(packet.sequence() + 1));
                                return null;
                            }
                            default -> {
                                return ProbeResult.fail("MySQL answered the login with packet type 0x"
                                        + Integer.toHexString(packet.kind()));
                            }
                        }
                    }
                });
    }
}
