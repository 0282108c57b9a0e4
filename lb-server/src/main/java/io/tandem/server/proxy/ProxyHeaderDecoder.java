package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.tandem.server.metrics.ListenerMeters;
import io.tandem.server.metrics.ProxyProtocolRejection;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the PROXY protocol header (v1 text or v2 binary, told apart by Netty's
 * decoder) that a connection from a trusted balancer must start with, and
 * hands it on as an {@code HAProxyMessage} to {@link FrontendHandler}, ahead
 * of the request bytes that follow it in the same read. Netty's decoder then
 * leaves the pipeline. A connection that does not start with a valid header
 * is closed and counted: {@code missing} when its first bytes are neither
 * signature (a client that spoke HTTP directly), {@code malformed} otherwise.
 * One per connection, on its event loop.
 */
final class ProxyHeaderDecoder extends HAProxyMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProxyHeaderDecoder.class);

    /** The v2 signature; Netty's is private. */
    private static final byte[] V2_SIGNATURE = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
    };
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);

    private final ListenerMeters meters;
    /** Set once the first bytes were seen to start neither header. */
    private boolean missing;
    private boolean firstRead = true;
    /** Netty's decoder may fail again on the bytes left when the connection closes; one count is enough. */
    private boolean rejected;

    ProxyHeaderDecoder(ListenerMeters meters) {
        // Any TLVs are accepted (an AWS NLB or HAProxy may add some); Tandem reads only the addresses.
        super();
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (firstRead && msg instanceof ByteBuf) {
            firstRead = false;
            ByteBuf in = (ByteBuf) msg;
            missing = !startsLike(in, V1_SIGNATURE) && !startsLike(in, V2_SIGNATURE);
        }
        super.channelRead(ctx, msg);
    }

    /** Whether the readable bytes of {@code in}, as far as they go, agree with {@code signature}. */
    private static boolean startsLike(ByteBuf in, byte[] signature) {
        int n = Math.min(in.readableBytes(), signature.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof HAProxyProtocolException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        ctx.close();
        if (rejected) {
            return;
        }
        rejected = true;
        ProxyProtocolRejection reason = missing ? ProxyProtocolRejection.MISSING : ProxyProtocolRejection.MALFORMED;
        meters.proxyProtocolRejected(reason);
        log.debug("closed a connection from {} on listener {}: PROXY header {} ({})", ctx.channel().remoteAddress(),
                meters.name(), reason.label(), cause.getMessage());
    }
}
