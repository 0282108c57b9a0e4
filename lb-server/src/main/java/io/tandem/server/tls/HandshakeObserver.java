package io.tandem.server.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProtocols;
import io.tandem.server.Transport;
import io.tandem.server.metrics.TlsMeters;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * Counts how one connection's handshake ended (and after a TLS 1.3 one has
 * the client's Finished ACKed at once), then leaves the
 * pipeline, so requests never pass through it. Sits right behind the TLS handler: sees
 * the handshake's completion event, or the SNI stage's timeout, or an
 * exception before any {@link SslHandler} exists (not TLS at all). Runs on
 * the connection's event loop; one per connection.
 */
final class HandshakeObserver extends ChannelInboundHandlerAdapter {

    private final TlsMeters meters;

    HandshakeObserver(TlsMeters meters) {
        this.meters = meters;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent done = (SslHandshakeCompletionEvent) evt;
            if (done.isSuccess()) {
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                meters.handshake(session.getProtocol(), session.getCipherSuite());
                if (SslProtocols.TLS_v1_3.equals(session.getProtocol())) {
                    // BoringSSL sends its TLS 1.3 session tickets with its own Finished, so nothing answers the
                    // client's Finished and the kernel holds its ACK for the delayed-ACK timer, 40 ms. A client
                    // with Nagle's algorithm on (no TCP_NODELAY: Java's and Python's plain TLS sockets) keeps its
                    // request back until that ACK comes (HAProxy, whose OpenSSL sends the tickets after the
                    // client's Finished, answered such a client in under a millisecond). The Finished is read
                    // by now: the ACK goes at once.
                    Transport.ackNow(ctx.channel());
                }
            } else {
                meters.failure(reason(done.cause()));
            }
            ctx.pipeline().remove(this);
        } else if (evt instanceof SniCompletionEvent && !((SniCompletionEvent) evt).isSuccess()) {
            // No ClientHello in time (a lookup failure cannot happen: the mapping answers at once).
            meters.failure(reason(((SniCompletionEvent) evt).cause()));
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            // Before the handshake began: the bytes were no ClientHello. With an SslHandler in place,
            // its completion event reports the failure instead.
            meters.failure(TlsMeters.Failure.OTHER);
            ctx.pipeline().remove(this);
        }
        ctx.fireExceptionCaught(cause);
    }

    /**
     * The reason of a failed handshake, from what the engine said: BoringSSL's
     * reason codes (NO_SHARED_CIPHER, UNSUPPORTED_PROTOCOL, ...) or the JDK's
     * messages, searched along the cause chain.
     */
    static TlsMeters.Failure reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TlsMeters.Failure.TIMEOUT;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("no_shared_cipher") || m.contains("no cipher suites in common")
                    || m.contains("no_common_signature_algorithms") || m.contains("no supported signature")) {
                return TlsMeters.Failure.NO_SHARED_CIPHER;
            }
            if (m.contains("unsupported_protocol") || m.contains("protocol_version")
                    || m.contains("not enabled or supported") || m.contains("version_too_low")) {
                return TlsMeters.Failure.PROTOCOL_VERSION;
            }
            if (m.contains("certificate") || m.contains("pkix") || m.contains("certification path")) {
                return TlsMeters.Failure.BAD_CERTIFICATE;
            }
        }
        return TlsMeters.Failure.OTHER;
    }
}
