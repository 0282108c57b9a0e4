package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.core.pool.Backend;
import io.tandem.server.metrics.BackendMeters;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of a backend connection: the request encoder; the response
 * decoders ({@link RawResponseDecoder}, and Netty's behind it for the
 * responses it does not forward as bytes); the idle reaper; {@link BackendHandler}.
 * A connection of a pool that sends the PROXY protocol starts with the
 * client's header ({@link ProxyHeaderWriter}, at the socket end).
 * For a pool with TLS, the connector puts an {@code SslHandler} before them
 * all once the connection is up, but behind the header's writer: the header
 * goes out in the clear before the handshake, as HAProxy sends it (see
 * {@code BackendTls.secure}); the decoders then read the decrypted bytes
 * exactly as they read a plain socket's.
 */
final class BackendInitializer extends ChannelInitializer<Channel> {

    /** Largest response head accepted from a backend. */
    static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;

    private final Backend backend;
    private final BackendMeters meters;
    private final long idleTimeoutMillis;
    private final IdleConnections home;
    private final HAProxyMessage proxyHeader;

    /** A connection kept in the calling loop's shared pool between requests. */
    BackendInitializer(Backend backend, BackendMeters meters, long idleTimeoutMillis) {
        this(backend, meters, idleTimeoutMillis, BackendConnections.current(), null);
    }

    /**
     * {@code home}: where the connection waits between requests; {@code proxyHeader}:
     * the PROXY header it starts with (owned from now on), or null for none.
     */
    BackendInitializer(Backend backend, BackendMeters meters, long idleTimeoutMillis, IdleConnections home,
                       HAProxyMessage proxyHeader) {
        this.backend = backend;
        this.meters = meters;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.home = home;
        this.proxyHeader = proxyHeader;
    }

    @Override
    protected void initChannel(Channel ch) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                .setMaxChunkSize(64 * 1024);
        RawResponseDecoder raw = new RawResponseDecoder();
        ch.pipeline()
                .addLast("encoder", new HttpRequestEncoder())
                .addLast("raw", raw)
                .addLast("decoder", new RawResponseDecoder.Fallback(decoder, raw))
                // Reader-idle only: tracking writes would cost a promise and a listener per write.
                // A pooled connection is idle when nothing arrives; a slow response is
                // the exchange's response timeout's business (the handler ignores the event then).
                .addLast("idle", new IdleStateHandler(idleTimeoutMillis, 0, 0, TimeUnit.MILLISECONDS))
                .addLast("backend", new BackendHandler(backend, meters, raw, home));
        if (proxyHeader != null) {
            ProxyHeaderWriter.install(ch.pipeline(), proxyHeader);
        }
    }
}
