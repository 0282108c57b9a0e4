package io.tandem.server.redirect;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.config.ListenerConfig;
import java.util.concurrent.TimeUnit;

/**
 * The plain HTTP side of a TLS listener's {@code redirect-http}: the pipeline
 * of its connections and what they redirect to, which a reload may change
 * (the TLS listener's port, its limits and idle timeout) without rebinding.
 * The settings are one immutable snapshot behind a volatile field, read once
 * per connection and request.
 */
public final class RedirectListener extends ChannelInitializer<Channel> {

    /** Room in the request line for the method and version around the URI. */
    private static final int REQUEST_LINE_OVERHEAD = 32;

    private volatile ListenerConfig tlsListener;

    /** @param tlsListener the TLS listener requests are redirected to */
    public RedirectListener(ListenerConfig tlsListener) {
        this.tlsListener = tlsListener;
    }

    /** Redirects new requests to {@code tlsListener} as a reload configured it. */
    public void update(ListenerConfig tlsListener) {
        this.tlsListener = tlsListener;
    }

    int httpsPort() {
        return tlsListener.bind().port();
    }

    @Override
    protected void initChannel(Channel ch) {
        ListenerConfig l = tlsListener;
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, l.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("codec", new HttpServerCodec(l.maxUriLength() + REQUEST_LINE_OVERHEAD, l.maxHeaderSize(),
                        8192))
                .addLast("keep-alive", new HttpServerKeepAliveHandler())
                .addLast("redirect", new RedirectHandler(this));
    }
}
