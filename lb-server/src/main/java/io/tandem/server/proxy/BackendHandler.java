package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.server.metrics.BackendMeters;

/**
 * The end of a backend connection: hands response parts to the exchange it
 * serves now (a {@link ResponseListener}), and looks after the connection
 * while it idles in the pool or drains a response nobody waits for.
 * Runs on the event loop of the client connection that opened it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter implements BackendConnection {

    /** The largest response body read to the end for nobody, to keep its connection. */
    static final long MAX_DRAINED_BODY = 64 * 1024;

    private final Backend backend;
    private final BackendMeters meters;
    private final RawResponseDecoder decoder;
    /** Where this connection waits between requests. */
    private final IdleConnections home;
    private ResponseListener exchange;
    private Channel channel;
    /** Reading the response of a request whose client left, to return the connection to the pool. */
    private boolean draining;
    /** While {@link #draining}: an interim (1xx) response is being read; the final one follows. */
    private boolean interim;

    BackendHandler(Backend backend, BackendMeters meters, RawResponseDecoder decoder, IdleConnections home) {
        this.backend = backend;
        this.meters = meters;
        this.decoder = decoder;
        this.home = home;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        meters.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void tunnelClosed() {
        meters.connectionClosed();
    }

    @Override
    public void bind(ResponseListener exchange, boolean headRequest, boolean raw) {
        this.exchange = exchange;
        decoder.expect(headRequest, raw);
    }

    @Override
    public void unbind() {
        this.exchange = null;
    }

    @Override
    public void release(boolean reusable) {
        exchange = null;
        Channel ch = channel;
        if (reusable && ch.isActive() && !backend.retired() && backend.state() == BackendState.UP) {
            ch.config().setAutoRead(true);
            home.offer(backend, ch);
        } else {
            ch.close();
        }
    }

    /**
     * The client left after its whole request was sent: the response is read
     * and dropped, and the connection goes back to the pool if the response is
     * small and keeps the connection; otherwise it closes. A backend that does
     * not answer within the pool's idle timeout loses the connection.
     */
    @Override
    public void drain() {
        exchange = null;
        draining = true;
        interim = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (draining) {
            try {
                if (msg instanceof HttpObject) {
                    drainPart(ctx, (HttpObject) msg);
                } else {
                    drainRaw(ctx, msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        } else if (exchange != null && msg instanceof RawResponse) {
            exchange.response((RawResponse) msg);
        } else if (exchange != null && msg instanceof RawBody) {
            exchange.responseBody((RawBody) msg);
        } else if (exchange != null && msg instanceof HttpObject) {
            exchange.response((HttpObject) msg);
        } else {
            // Bytes from a backend nobody asked: the connection is no longer usable.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    private void drainPart(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg.decoderResult().isFailure()) {
            stopDraining(ctx, false);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            int code = response.status().code();
            interim = code >= 100 && code < 200 && code != 101;
            if (!interim && (code == 101 || !HttpUtil.isKeepAlive(response)
                    || HttpUtil.isTransferEncodingChunked(response)
                    || HttpUtil.getContentLength(response, 0L) > MAX_DRAINED_BODY)) {
                stopDraining(ctx, false);
                return;
            }
        }
        if (msg instanceof LastHttpContent) {
            if (interim) {
                interim = false;
            } else {
                stopDraining(ctx, true);
            }
        }
    }

    private void drainRaw(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RawResponse) {
            RawResponse response = (RawResponse) msg;
            if (response.close || response.contentLength > MAX_DRAINED_BODY) {
                stopDraining(ctx, false);
            } else if (response.complete) {
                stopDraining(ctx, true);
            }
        } else if (msg instanceof RawBody) {
            if (((RawBody) msg).last) {
                stopDraining(ctx, true);
            }
        } else {
            stopDraining(ctx, false);
        }
    }

    private void stopDraining(ChannelHandlerContext ctx, boolean reusable) {
        draining = false;
        release(reusable);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.readComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meters.connectionClosed();
        draining = false;
        if (exchange != null) {
            ResponseListener e = exchange;
            exchange = null;
            e.backendClosed(null);
        } else {
            home.remove(backend, ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && exchange == null) {
            ctx.close();
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            ResponseListener e = exchange;
            exchange = null;
            e.backendClosed(cause);
        }
        ctx.close();
    }
}
