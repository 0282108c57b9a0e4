package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tandem.config.ListenerConfig;

/**
 * The pipeline of a client connection: the byte counter (when request metrics
 * are on), the HTTP/1.1 server codec with the listener's limits, then the proxy.
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
                .setValidateHeaders(true);
        if (listener.traffic() != null) {
            ch.pipeline().addLast("traffic", listener.traffic());
        }
        ch.pipeline()
                .addLast("codec", new HttpServerCodec(decoder))
                .addLast("proxy", new FrontendHandler(listener));
    }
}
