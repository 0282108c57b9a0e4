package io.tandem.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import io.netty.util.concurrent.Future;
import io.tandem.server.metrics.TlsMeters;
import java.util.function.Function;

/**
 * Netty's {@link SniHandler} that can also refuse: when the mapping has no
 * context for the client's name (strict SNI), it answers the ClientHello with
 * a fatal {@code unrecognized_name} alert (RFC 6066 section 3), as HAProxy's
 * {@code strict-sni} does, and closes that connection only. Bytes that are no
 * TLS at all (plain HTTP to an HTTPS port) are closed without an answer.
 * The SslHandler it puts in its place staples the chosen certificate's OCSP
 * response, when it has one. Runs on the connection's event loop; one per
 * connection.
 */
final class TlsSniHandler extends SniHandler {

    /** A plaintext TLS record (the handshake has no keys yet): alert, TLS 1.2 record version, fatal, 112. */
    private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

    private final TlsMeters meters;
    /** The decoder asks again on every read and at close; a refused connection is answered and counted once. */
    private boolean refused;
    /** The client's first bytes were not a TLS handshake record. */
    private boolean notTls;

    /** The OCSP response to staple for a context, or null. */
    private final Function<SslContext, byte[]> staples;

    TlsSniHandler(Mapping<String, SslContext> mapping, long handshakeTimeoutMillis, TlsMeters meters,
                  Function<SslContext, byte[]> staples) {
        super(mapping, handshakeTimeoutMillis);
        this.meters = meters;
        this.staples = staples;
    }

    /** The chosen context's handler, with its certificate's OCSP response to staple when there is one. */
    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = super.newSslHandler(context, allocator);
        byte[] staple = staples.apply(context);
        if (staple != null) {
            ((ReferenceCountedOpenSslEngine) handler.engine()).setOcspResponse(staple);
        }
        return handler;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        notTls = clientHello == null;
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext)
            throws Exception {
        if (sslContext == null) {
            if (refused) {
                return;
            }
            refused = true;
            if (notTls) {
                meters.failure(TlsMeters.Failure.OTHER);
                ctx.close();
            } else {
                meters.failure(TlsMeters.Failure.UNKNOWN_SNI);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        super.replaceHandler(ctx, hostname, sslContext);
    }
}
