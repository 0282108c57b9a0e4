package io.tandem.server.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.core.pool.Backend;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import io.tandem.server.Version;
import io.tandem.server.tls.BackendTls;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The gRPC health-checking protocol (grpc/grpc doc/health-checking.md): over its own HTTP/2 connection (h2c,
 * or for a {@code protocol: h2} pool over the pool's TLS with h2 selected by ALPN), a unary
 * {@code grpc.health.v1.Health/Check} with a {@code HealthCheckRequest} naming {@code service} (empty: the
 * server as a whole). Passes when the call ends with {@code grpc-status: 0} and the
 * {@code HealthCheckResponse}'s status (field 1) is {@code SERVING} (1); fails on any other status
 * ({@code NOT_SERVING}, {@code SERVICE_UNKNOWN}, {@code UNKNOWN}, each named in the reason), a non-200 answer, or a
 * gRPC error (e.g. {@code UNIMPLEMENTED}: the server has no health service; {@code NOT_FOUND}: it does not know
 * the service). The messages are tiny and fixed, so they are written and read as bytes: no protobuf library.
 */
final class GrpcProbe implements HealthProbe {

    /** HealthCheckResponse.ServingStatus values, by number. */
    private static final List<String> SERVING_STATUSES = List.of("UNKNOWN", "SERVING", "NOT_SERVING",
            "SERVICE_UNKNOWN");
    private static final int SERVING = 1;
    /** gRPC status codes, by number (grpc/grpc doc/statuscodes.md). */
    private static final List<String> GRPC_CODES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");

    private final Transport transport;
    private final BackendTls tls;
    private final HAProxyProtocolVersion proxyProtocol;
    private final String service;
    /** The request's gRPC message frame, the same for every check. */
    private final byte[] request;
    private final String userAgent = "tandem-health-check/" + Version.get();

    /** {@code tls}: the pool's (an h2 pool's, selecting h2 by ALPN), or null for h2c. */
    GrpcProbe(String service, Transport transport, BackendTls tls, HAProxyProtocolVersion proxyProtocol) {
        this.transport = transport;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.service = service;
        this.request = request(service);
    }

    @Override
    public Future<ProbeResult> probe(EventLoop loop, Backend backend, Duration timeout) {
        Promise<ProbeResult> promise = loop.newPromise();
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme(tls == null ? "http" : "https")
                .path("/grpc.health.v1.Health/Check").authority(backend.address().toString())
                .add("content-type", "application/grpc").add("te", "trailers")
                .add("user-agent", userAgent);
        return ProbeAttempt.start(loop, transport, backend, timeout, tls, proxyProtocol, promise,
                new Http2ProbeStream(promise, h, request, new Call(promise, service)));
    }

    /**
     * The gRPC message frame of a HealthCheckRequest for {@code service}: not compressed, its length, then
     * field 1 (tag 0x0a, a length-delimited string) unless the name is empty, which protobuf leaves out.
     */
    static byte[] request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        if (name.length > 0) {
            message.write(0x0a);
            for (int n = name.length; ; n >>>= 7) {
                if (n < 0x80) {
                    message.write(n);
                    break;
                }
                message.write((n & 0x7f) | 0x80);
            }
            message.writeBytes(name);
        }
        int length = message.size();
        ByteArrayOutputStream frame = new ByteArrayOutputStream(5 + length);
        frame.write(0);
        frame.write(length >>> 24);
        frame.write(length >>> 16);
        frame.write(length >>> 8);
        frame.write(length);
        frame.writeBytes(message.toByteArray());
        return frame.toByteArray();
    }

    /** The name of a ServingStatus number, as the health protocol's proto spells it. */
    static String servingStatusName(int status) {
        return status >= 0 && status < SERVING_STATUSES.size() ? SERVING_STATUSES.get(status) : "status " + status;
    }

    /** "5 NOT_FOUND" for a grpc-status value, or the value as sent when it is not a known code. */
    static String grpcCodeName(String value) {
        try {
            int code = Integer.parseInt(value);
            return code >= 0 && code < GRPC_CODES.size() ? code + " " + GRPC_CODES.get(code) : value;
        } catch (NumberFormatException e) {
            return value;
        }
    }

    /** Reads the check's stream (behind the codec): the answer's head, message and trailers, and judges them. */
    private static final class Call extends ChannelInboundHandlerAdapter {

        private final Promise<ProbeResult> promise;
        /** "" or " for service 'NAME'", for the reasons. */
        private final String forService;
        private boolean headRead;
        private int servingStatus = -1;

        Call(Promise<ProbeResult> promise, String service) {
            this.promise = promise;
            this.forService = service.isEmpty() ? "" : " for service '" + service + "'";
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
                promise.trySuccess(ProbeResult.fail("grpc-status " + grpcCodeName(grpcStatus) + forService
                        + (message == null ? "" : " (" + message + ")")));
            } else if (servingStatus == SERVING) {
                promise.trySuccess(ProbeResult.pass("gRPC SERVING" + forService));
            } else {
                promise.trySuccess(ProbeResult.fail("gRPC " + servingStatusName(servingStatus) + forService
                        + " (expected SERVING)"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.trySuccess(ProbeResult.fail("connection closed before the call ended"));
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
