package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.tandem.config.ListenerConfig;
import io.tandem.server.tls.ListenerTls;

/**
 * The pipeline of a client connection: the byte counter (when request metrics
 * are on; it counts the bytes on the wire), TLS on a TLS listener (SNI, then
 * the handshake), the strict {@link FrontendCodec} with the listener's limits,
 * then the proxy. Netty's {@code HttpServerCodec} is not used; nothing answers
 * {@code Expect: 100-continue} locally: the backend decides, and its 100 is
 * forwarded.
 */
public final class ProxyInitializer extends ChannelInitializer<Channel> {

    /** Room in the request line for the method and version around the URI. */
    private static final int REQUEST_LINE_OVERHEAD = 32;

    private final ListenerRuntime listener;

    public ProxyInitializer(ListenerRuntime listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        listener.clients().add(ch);
        ListenerConfig config = listener.routing().listener();
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxUriLength() + REQUEST_LINE_OVERHEAD)
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true)
                // FrontendCodec checks every byte of a head; values need no second pass (names keep theirs),
                // and the forwarding headers Tandem sets are its own.
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValueValidation(false))
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false);
        if (listener.traffic() != null) {
            ch.pipeline().addLast("traffic", listener.traffic());
        }
        ListenerTls tls = listener.tls();
        if (tls != null) {
            tls.addTo(ch.pipeline());
        }
        FrontendHandler handler = new FrontendHandler(listener, tls != null);
        ch.pipeline()
                .addLast("codec", new FrontendCodec(decoder, handler))
                .addLast("proxy", handler);
    }
}
