package io.tandem.server.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;

/**
 * Netty's {@link SniHandler} that can also refuse: when the mapping has no
 * context for the client's name (strict SNI), it answers the ClientHello with
 * a fatal {@code unrecognized_name} alert (RFC 6066 section 3), as HAProxy's
 * {@code strict-sni} does, and closes that connection only. Runs on the
 * connection's event loop; one per connection.
 */
final class TlsSniHandler extends SniHandler {

    /** A plaintext TLS record (the handshake has no keys yet): alert, TLS 1.2 record version, fatal, 112. */
    private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

    TlsSniHandler(Mapping<String, SslContext> mapping, long handshakeTimeoutMillis) {
        super(mapping, handshakeTimeoutMillis);
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext)
            throws Exception {
        if (sslContext == null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        super.replaceHandler(ctx, hostname, sslContext);
    }
}
