package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.core.pool.Backend;
import io.tandem.server.metrics.BackendMeters;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The pipeline of a backend connection: HTTP/1.1 client codec, idle reaper, {@link BackendHandler}. */
final class BackendInitializer extends ChannelInitializer<Channel> {

    /** Largest response head accepted from a backend. */
    static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;

    private final Backend backend;
    private final BackendMeters meters;
    private final Duration idleTimeout;

    BackendInitializer(Backend backend, BackendMeters meters, Duration idleTimeout) {
        this.backend = backend;
        this.meters = meters;
        this.idleTimeout = idleTimeout;
    }

    @Override
    protected void initChannel(Channel ch) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                .setMaxChunkSize(64 * 1024);
        ch.pipeline()
                .addLast("codec", new HttpClientCodec(decoder, HttpClientCodec.DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST,
                        HttpClientCodec.DEFAULT_FAIL_ON_MISSING_RESPONSE))
                // Reader-idle only: tracking writes would cost a promise and a listener per write.
                // A pooled connection is idle when nothing arrives; a slow response is
                // the exchange's response timeout's business (the handler ignores the event then).
                .addLast("idle", new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("backend", new BackendHandler(backend, meters));
    }
}
