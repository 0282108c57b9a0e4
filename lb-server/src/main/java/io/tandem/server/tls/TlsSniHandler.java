package io.tandem.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.tandem.server.metrics.TlsMeters;

/**
 * The first handler of a TLS connection: reads the ClientHello, asks the
 * listener's {@link ListenerTls} for the context of the SNI name and of what
 * the client can verify (ECDSA or only RSA), and puts that context's
 * {@link SslHandler} in its place, with the certificate's OCSP response to
 * staple when it has one. When strict SNI finds no certificate for the name
 * it answers with a fatal {@code unrecognized_name} alert (RFC 6066 section
 * 3), as HAProxy's {@code strict-sni} does, and closes that connection only;
 * bytes that are no TLS at all (plain HTTP to an HTTPS port) are closed
 * without an answer. Runs on the connection's event loop; one per connection.
 */
final class TlsSniHandler extends AbstractSniHandler<SslContext> {

    /** A plaintext TLS record (the handshake has no keys yet): alert, TLS 1.2 record version, fatal, 112. */
    private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

    private final ListenerTls tls;
    private final TlsMeters meters;
    /** The client's first bytes were not a TLS handshake record. */
    private boolean notTls;
    /** The client can verify an ECDSA certificate. */
    private boolean ecdsa;
    /** The decoder asks again on every read and at close; a refused connection is answered and counted once. */
    private boolean refused;

    TlsSniHandler(ListenerTls tls, long handshakeTimeoutMillis, TlsMeters meters) {
        super(handshakeTimeoutMillis);
        this.tls = tls;
        this.meters = meters;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        notTls = clientHello == null;
        ecdsa = clientHello != null && ClientHellos.supportsEcdsa(clientHello);
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(tls.select(hostname, ecdsa));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<SslContext> future) {
        SslContext context = future.getNow();
        if (context == null) {
            refuse(ctx);
            return;
        }
        SslHandler handler = context.newHandler(ctx.alloc());
        try {
            handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            byte[] staple = tls.staple(context);
            if (staple != null) {
                ((ReferenceCountedOpenSslEngine) handler.engine()).setOcspResponse(staple);
            }
            ctx.pipeline().replace(this, "tls", handler);
            handler = null;
        } finally {
            // Not in the pipeline: the engine is not the handler's to release.
            if (handler != null) {
                ReferenceCountUtil.safeRelease(handler.engine());
            }
        }
    }

    private void refuse(ChannelHandlerContext ctx) {
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
    }
}
