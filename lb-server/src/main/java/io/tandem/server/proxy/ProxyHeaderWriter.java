package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Puts a PROXY protocol header in front of the first bytes written on a
 * connection, then leaves the pipeline. Whoever writes first (the request
 * head, a health check's request) need not know about it, and nothing can
 * overtake the header, whatever the order in which connect listeners run.
 * Netty's {@code HAProxyMessageEncoder}, which it adds before itself, makes
 * the bytes. One per connection, on its event loop.
 */
public final class ProxyHeaderWriter extends ChannelOutboundHandlerAdapter {

    /** Its name in a pipeline: a TLS handler goes behind it, since the header precedes the handshake. */
    public static final String NAME = "proxy-header";

    private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

    private HAProxyMessage header;

    private ProxyHeaderWriter(HAProxyMessage header) {
        this.header = header;
    }

    /** Adds the encoder and the writer at the socket end of {@code pipeline}; the writer owns {@code header}. */
    public static void install(ChannelPipeline pipeline, HAProxyMessage header) {
        pipeline.addFirst(NAME, new ProxyHeaderWriter(header));
        pipeline.addFirst("proxy-header-encoder", HAProxyMessageEncoder.INSTANCE);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        HAProxyMessage h = header;
        header = null;
        if (h.protocolVersion() == HAProxyProtocolVersion.V1
                && h.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN) {
            // Netty's encoder writes v1 only with addresses; the spec's short form is "PROXY UNKNOWN\r\n".
            h.release();
            ctx.write(Unpooled.wrappedBuffer(V1_UNKNOWN), ctx.voidPromise());
        } else {
            ctx.write(h, ctx.voidPromise());
        }
        ctx.write(msg, promise);
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Closed before anything was written: the header was never sent.
        if (header != null) {
            ReferenceCountUtil.release(header);
            header = null;
        }
    }
}
