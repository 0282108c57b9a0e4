package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.config.HealthConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import io.tandem.server.tls.BackendTls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A check for any protocol: sends {@code send} once connected (nothing for a
 * server that speaks first, such as SMTP's banner), then reads until the
 * answer contains {@code expect} (bytes) or has a match of
 * {@code expect-regex} (the bytes read as ISO-8859-1 text), the connection
 * closes, or the timeout ends the check.
 */
final class SendExpectProbe implements HealthProbe {

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    private final byte[] send;
    private final byte[] expect;
    private final Pattern expectRegex;
    private final String wanted;

    SendExpectProbe(HealthConfig config, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.send = config.send() == null ? null : config.send().getBytes(StandardCharsets.ISO_8859_1);
        this.expect = config.expect() == null ? null : config.expect().getBytes(StandardCharsets.ISO_8859_1);
        this.expectRegex = config.expectRegex() == null ? null : Pattern.compile(config.expectRegex());
        this.wanted = expect != null ? "'" + printable(config.expect()) + "'"
                : "a match of /" + config.expectRegex() + "/";
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Conversation(promise) {
                    @Override
                    void opened(ChannelHandlerContext ctx) {
                        if (send != null) {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(send));
                        }
                    }

                    @Override
                    ProbeResult received(ChannelHandlerContext ctx, ByteBuf answer) {
                        return found(answer) ? ProbeResult.pass("answer has " + wanted) : null;
                    }

                    @Override
                    String closedEarly() {
                        return "connection closed before an answer with " + wanted;
                    }
                });
    }

    private boolean found(ByteBuf answer) {
        if (expect != null) {
            return HttpProbe.contains(answer, expect);
        }
        return expectRegex.matcher(answer.toString(StandardCharsets.ISO_8859_1)).find();
    }

    /** Control characters as escapes, for a readable detail in /status. */
    static String printable(String bytes) {
        StringBuilder b = new StringBuilder();
        for (char c : bytes.toCharArray()) {
            if (c == '\r') {
                b.append("\\r");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
