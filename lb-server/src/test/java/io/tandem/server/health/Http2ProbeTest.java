package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.util.ReferenceCountUtil;
import io.tandem.config.HealthConfig;
import io.tandem.config.HostPort;
import io.tandem.config.StatusRanges;
import io.tandem.core.pool.Backend;
import io.tandem.server.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The checks of an HTTP/2 pool against a real h2c server on loopback (Netty's, prior knowledge): the HTTP
 * check as an HTTP/2 request, and the gRPC check naming a service. The server answers {@code /status/N} with
 * N, anything else 200 with a body naming the path, and the gRPC health call with the status its service
 * name maps to ({@code up}: SERVING, {@code down}: NOT_SERVING, "": SERVING, else grpc-status 5).
 */
class Http2ProbeTest {

    static final Transport transport = Transport.nio();
    static EventLoopGroup group;
    static EventLoop loop;
    static Channel server;
    static final Map<String, String> seen = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        group = transport.newGroup(2, "h2-probe-test");
        loop = group.next();
        server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new Answer());
                            }
                        }));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    @AfterAll
    static void stop() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One stream of the test server: answers once the request ended. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private Http2Headers request;
        private final ByteBuf body = Unpooled.buffer();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end;
                if (msg instanceof Http2HeadersFrame) {
                    request = request == null ? ((Http2HeadersFrame) msg).headers() : request;
                    end = ((Http2HeadersFrame) msg).isEndStream();
                } else {
                    body.writeBytes(((Http2DataFrame) msg).content());
                    end = ((Http2DataFrame) msg).isEndStream();
                }
                if (end) {
                    answer(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            String path = request.path().toString();
            seen.put("method", request.method().toString());
            seen.put("authority", request.authority().toString());
            seen.put("scheme", request.scheme().toString());
            if (path.equals("/grpc.health.v1.Health/Check")) {
                // The request's message: 5 bytes of frame, then field 1 (the service name) if any.
                String service = body.readableBytes() > 7
                        ? body.toString(7, body.readableBytes() - 7, StandardCharsets.UTF_8) : "";
                seen.put("service", service);
                seen.put("request", ByteBufUtil.hexDump(body));
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .add("content-type", "application/grpc"), false));
                if (service.equals("") || service.equals("up") || service.equals("down")) {
                    byte status = (byte) (service.equals("down") ? 2 : 1);
                    ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 2, 8, status})));
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"),
                            true));
                } else {
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "5")
                            .add("grpc-message", "unknown service " + service), true));
                }
                return;
            }
            if (path.equals("/big")) {
                // 65,536 bytes (MAX_BODY), one more than the initial window: the text ends it.
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("x".repeat(65_530) + "needle",
                        StandardCharsets.UTF_8), true));
                return;
            }
            int status = path.startsWith("/status/") ? Integer.parseInt(path.substring(8)) : 200;
            boolean head = request.method().toString().equals("HEAD");
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(Integer.toString(status)), head));
            if (!head) {
                ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("state: all ", StandardCharsets.UTF_8)));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("good at " + path,
                        StandardCharsets.UTF_8), true));
            } else {
                ctx.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            body.release();
        }
    }

    private static int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static HealthConfig http(String path, String method, String host, String expectBody) {
        return new HealthConfig(path, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2,
                StatusRanges.parse("200-399"), HealthConfig.Type.HTTP, method, host,
                expectBody, Duration.ofSeconds(1), HealthConfig.InitialState.PROBE);
    }

    private static HealthConfig grpc(String service) {
        return new HealthConfig("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2,
                StatusRanges.parse("200-399"), HealthConfig.Type.GRPC, "GET", null, null, Duration.ofSeconds(1),
                HealthConfig.InitialState.PROBE, null, null, null, null, null, null, service);
    }

    private static ProbeResult pass(String detail) {
        return new ProbeResult(ProbeResult.Outcome.PASS, detail);
    }

    private static ProbeResult fail(String detail) {
        return new ProbeResult(ProbeResult.Outcome.FAIL, detail);
    }

    private static ProbeResult run(HealthConfig config) throws Exception {
        HealthProbe probe = HealthProbe.of(config, transport, null, null, true);
        // Generous: the first check of a cold JVM on a busy machine may take a few hundred ms.
        return probe.probe(loop, new Backend(new HostPort("127.0.0.1", port()), 1, false), Duration.ofSeconds(3))
                .get(10, TimeUnit.SECONDS);
    }

    // An HTTP pool's check is HTTP/1.1; an HTTP/2 pool's is this probe.
    @Test
    void http2PoolGetsTheHttp2Probe() {
        assertThat(HealthProbe.of(http("/", "GET", null, null), transport, null, null, true))
                .isInstanceOf(Http2Probe.class);
        assertThat(HealthProbe.of(http("/", "GET", null, null), transport, null, null, false))
                .isInstanceOf(HttpProbe.class);
    }

    // The check is an HTTP/2 GET; :authority is the backend's address, :scheme http (h2c).
    @Test
    void passesWithDefaultAuthority() throws Exception {
        assertThat(run(http("/healthz", "GET", null, null))).isEqualTo(pass("HTTP 200"));
        assertThat(seen).containsEntry("method", "GET").containsEntry("authority", "127.0.0.1:" + port())
                .containsEntry("scheme", "http");
    }

    // host becomes :authority; HEAD is sent as configured.
    @Test
    void sendsConfiguredAuthorityAndMethod() throws Exception {
        assertThat(run(http("/h", "HEAD", "app.internal", null))).isEqualTo(pass("HTTP 200"));
        assertThat(seen).containsEntry("method", "HEAD").containsEntry("authority", "app.internal");
    }

    // A status outside expect-status fails, naming both.
    @Test
    void unexpectedStatusFails() throws Exception {
        assertThat(run(http("/status/503", "GET", null, null))).isEqualTo(fail("HTTP 503 (expected 200-399)"));
    }

    // expect-body is searched across DATA frames; a body without it fails at the stream's end.
    @Test
    void expectBody() throws Exception {
        assertThat(run(http("/x", "GET", null, "all good"))).isEqualTo(pass("HTTP 200, body has the expected text"));
        assertThat(run(http("/x", "GET", null, "bad news"))).isEqualTo(fail("HTTP 200, body lacks 'bad news'"));
    }

    // A body larger than HTTP/2's initial window (65,535 bytes) flows on: the check returns what it read.
    @Test
    void bodyBeyondTheInitialWindow() throws Exception {
        assertThat(run(http("/big", "GET", null, "needle"))).isEqualTo(pass("HTTP 200, body has the expected text"));
    }

    // The gRPC check sends the service's name as HealthCheckRequest field 1 and passes on SERVING.
    @Test
    void grpcCheckNamesTheService() throws Exception {
        assertThat(run(grpc("up"))).isEqualTo(pass("gRPC SERVING for service 'up'"));
        assertThat(seen).containsEntry("service", "up").containsEntry("request", "00000000040a027570");
        assertThat(run(grpc(""))).isEqualTo(pass("gRPC SERVING"));
        assertThat(seen).containsEntry("request", "0000000000");
    }

    // NOT_SERVING for the service, and a service the server does not know, fail with those reasons.
    @Test
    void grpcCheckFailsOnNotServingAndUnknownService() throws Exception {
        assertThat(run(grpc("down"))).isEqualTo(fail("gRPC NOT_SERVING for service 'down' (expected SERVING)"));
        assertThat(run(grpc("other.Service"))).isEqualTo(fail("grpc-status 5 NOT_FOUND for service "
                + "'other.Service' (unknown service other.Service)"));
    }
}
