package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import io.tandem.server.Version;
import java.time.Duration;

/**
 * The gRPC health-checking protocol (grpc/grpc doc/health-checking.md): over its own h2c connection, a
 * unary {@code grpc.health.v1.Health/Check} with an empty {@code HealthCheckRequest} (service "": the
 * server as a whole). Passes when the call ends with {@code grpc-status: 0} and the
 * {@code HealthCheckResponse}'s status (field 1) is {@code SERVING} (1); fails on any other status,
 * a non-200 answer, or a gRPC error (e.g. {@code UNIMPLEMENTED}: the server has no health service).
 * The messages are tiny and fixed, so they are written and read as bytes: no protobuf library.
 */
final class GrpcProbe implements HealthProbe {

    /** A gRPC message frame of the empty HealthCheckRequest: not compressed, length 0. */
    private static final byte[] EMPTY_REQUEST = {0, 0, 0, 0, 0};
    /** HealthCheckResponse.ServingStatus values. */
    private static final int SERVING = 1;

    private final Transport transport;
    private final HAProxyProtocolVersion proxyProtocol;
    private final String userAgent = "tandem-health-check/" + Version.get();

    GrpcProbe(Transport transport, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        String authority = backend.address().toString();
        return ProbeAttempt.start(loop, transport, backend, timeout, null, proxyProtocol, promise,
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        new Http2StreamChannelBootstrap(ch).handler(new Call(promise)).open().addListener(f -> {
                            if (!f.isSuccess()) {
                                promise.trySuccess(ProbeResult.fail(NetErrors.describe(f.cause())));
                                return;
                            }
                            Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                            Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http")
                                    .path("/grpc.health.v1.Health/Check").authority(authority)
                                    .add("content-type", "application/grpc").add("te", "trailers")
                                    .add("user-agent", userAgent);
                            stream.write(new DefaultHttp2HeadersFrame(h, false));
                            stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(EMPTY_REQUEST),
                                    true));
                        });
                    }
                });
    }

    /** The check's stream: reads the answer's head, message and trailers, and judges them. */
    private static final class Call extends ChannelInboundHandlerAdapter {

        private final Promise<ProbeResult> promise;
        private boolean headRead;
        private int servingStatus = -1;

        Call(Promise<ProbeResult> promise) {
            this.promise = promise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame) {
                    Http2Headers h = ((Http2HeadersFrame) msg).headers();
                    if (!headRead && h.status() != null) {
                        headRead = true;
                        if (!"200".contentEquals(h.status())) {
                            promise.trySuccess(ProbeResult.fail("HTTP " + h.status() + " (expected 200)"));
                            return;
                        }
                    }
                    CharSequence grpcStatus = h.get("grpc-status");
                    if (grpcStatus != null) {
                        judge(grpcStatus.toString(), h.get("grpc-message"));
                    }
                } else if (msg instanceof Http2DataFrame) {
                    servingStatus = status(((Http2DataFrame) msg).content(), servingStatus);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void judge(String grpcStatus, CharSequence message) {
            if (!"0".equals(grpcStatus)) {
                promise.trySuccess(ProbeResult.fail("grpc-status " + grpcStatus
                        + (message == null ? "" : " (" + message + ")")));
            } else if (servingStatus == SERVING) {
                promise.trySuccess(ProbeResult.pass("gRPC SERVING"));
            } else {
                promise.trySuccess(ProbeResult.fail("gRPC health status " + servingStatus + " (expected SERVING)"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.trySuccess(ProbeResult.fail("stream closed before the call ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.trySuccess(ProbeResult.fail(NetErrors.describe(cause)));
            ctx.close();
        }
    }

    /**
     * The status (field 1, a varint) of a HealthCheckResponse in a gRPC message frame (1 byte flag, 4 bytes
     * length, the message), or {@code previous} when this frame does not hold it. An empty message is
     * status 0, UNKNOWN.
     */
    static int status(ByteBuf frame, int previous) {
        int i = frame.readerIndex();
        if (frame.readableBytes() < 5 || frame.getByte(i) != 0) {
            return previous;
        }
        int length = frame.getInt(i + 1);
        int end = Math.min(frame.writerIndex(), i + 5 + length);
        int p = i + 5;
        int status = 0;
        while (p < end) {
            int tag = frame.getByte(p++) & 0xff;
            if (tag == 0x08 && p < end) {
                status = frame.getByte(p) & 0x7f;
                return status;
            }
            return previous;
        }
        return status;
    }
}
