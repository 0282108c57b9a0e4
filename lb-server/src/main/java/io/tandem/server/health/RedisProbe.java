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
 * A Redis check: {@code PING} must be answered {@code +PONG} (a server still
 * loading its data set answers {@code -LOADING}, one that wants a password
 * {@code -NOAUTH}: both fail). With {@code role}, {@code INFO replication}
 * follows, and its {@code role:} line must name that role, so a pool can
 * send writes only to the master. Ends with {@code QUIT}.
 */
final class RedisProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    /** The role INFO must report, as Redis spells it ({@code master}, {@code slave}), or null. */
    private final String role;

    RedisProbe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.role = config.role() == null ? null : config.role().equals("replica") ? "slave" : config.role();
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Conversation(promise) {
                    private boolean ponged;

                    @Override
                    void opened(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Resp.command("PING"));
                    }

                    @Override
                    ProbeResult received(ChannelHandlerContext ctx, ByteBuf answer) {
                        Resp.Reply reply;
                        try {
                            reply = Resp.read(answer);
                        } catch (IllegalArgumentException e) {
                            return ProbeResult.fail("not a Redis answer: " + e.getMessage());
                        }
                        if (reply == null) {
                            return null;
                        }
                        if (!ponged) {
                            if (reply.type() != '+' || !"PONG".equals(reply.text())) {
                                return ProbeResult.fail("PING answered " + describe(reply));
                            }
                            if (role == null) {
                                return leave(ctx, Resp.command("QUIT"), ProbeResult.pass("PONG"));
                            }
                            ponged = true;
                            ctx.writeAndFlush(Resp.command("INFO", "replication"));
                            return null;
                        }
                        return leave(ctx, Resp.command("QUIT"), judgeRole(reply));
                    }
                });
    }

    private ProbeResult judgeRole(Resp.Reply reply) {
        if (reply.type() != '$' || reply.text() == null) {
            return ProbeResult.fail("INFO replication answered " + describe(reply));
        }
        String found = roleIn(reply.text());
        if (role.equals(found)) {
            return ProbeResult.pass("PONG, role:" + found);
        }
        return ProbeResult.fail("role:" + (found == null ? "(none)" : found) + ", expected role:" + role);
    }

    /** The value of the {@code role:} line of an INFO answer, or null. */
    static String roleIn(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("role:")) {
                return line.substring("role:".length()).trim();
            }
        }
        return null;
    }

    private static String describe(Resp.Reply reply) {
        return reply.type() == '$' && reply.text() == null ? "a null reply"
                : reply.type() + SendExpectProbe.printable(reply.text().length() > 200
                        ? reply.text().substring(0, 200) + "..." : reply.text());
    }
}
