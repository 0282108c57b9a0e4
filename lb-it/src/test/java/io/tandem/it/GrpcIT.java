package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC through Tandem end to end: a real grpc-java server (Netty, plaintext HTTP/2) as the backend of an
 * {@code h2c} pool, a real grpc-java client on an h2c listener. A unary call, a server-streaming call,
 * a call that fails with a non-OK status, and the trailers each carries. Messages are UTF-8 strings
 * (a marshaller of bytes: no generated code).
 */
class GrpcIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> ECHO = method("Echo", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> COUNT = method("Count",
            MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };
    /** grpc.health.v1.Health/Check, its messages as protobuf bytes. */
    static final MethodDescriptor<byte[], byte[]> HEALTH_CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("grpc.health.v1.Health/Check")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    /** What the health service answers: HealthCheckResponse { status: SERVING (1) or NOT_SERVING (2) }. */
    static volatile boolean serving = true;
    static final java.util.concurrent.atomic.AtomicInteger healthChecks = new java.util.concurrent.atomic.AtomicInteger();
    static final Metadata.Key<String> SERVED_BY = Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);

    static Server server;
    static ManagedChannel channel;

    static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("tandem.test.Echo", name))
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("tandem.test.Echo")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("echo: " + req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    int n = Integer.parseInt(req);
                    for (int i = 1; i <= n; i++) {
                        out.onNext("item " + i);
                    }
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, out) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(SERVED_BY, "grpc-backend");
                    out.onError(Status.NOT_FOUND.withDescription("no such thing: " + req).asRuntimeException(trailers));
                }))
                .build();
        ServerServiceDefinition health = ServerServiceDefinition.builder("grpc.health.v1.Health")
                .addMethod(HEALTH_CHECK, ServerCalls.asyncUnaryCall((req, out) -> {
                    healthChecks.incrementAndGet();
                    out.onNext(new byte[] {0x08, (byte) (serving ? 1 : 2)});
                    out.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).addService(health)
                .intercept(new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                            Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                            @Override
                            public void close(Status status, Metadata trailers) {
                                trailers.put(SERVED_BY, "grpc-backend");
                                super.close(status, trailers);
                            }
                        }, headers);
                    }
                })
                .build().start();
        int port = server.getPort();
        lb.config()
                .listener("grpc", "grpc", l -> l.set("protocols", "[h2]").accessLog("enabled: true, template: "
                        + "'$protocol $uri $status $backend'"))
                .pool("grpc", p -> p.set("protocol", "h2c").set("health", "{ type: grpc, interval: 200ms, rise: 1, "
                        + "fall: 1 }").backend("127.0.0.1:" + port));
        lb.start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", lb.port("grpc")).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // A unary call goes through: the answer, and the backend's trailer (grpc-status 0 with x-served-by).
    @Test
    void unaryCall() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        AtomicReference<Metadata> headers = new AtomicReference<>();
        var ch = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        String answer = ClientCalls.blockingUnaryCall(ch, ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hello");
        assertThat(answer).isEqualTo("echo: hello");
        assertThat(trailers.get().get(SERVED_BY)).isEqualTo("grpc-backend");
        Poll.until(Duration.ofSeconds(10), "the log line of the call",
                () -> lb.output().contains("HTTP/2.0 /tandem.test.Echo/Echo 200 127.0.0.1:" + server.getPort()));
    }

    // A server-streaming call: every message in order, then the status.
    @Test
    void serverStreamingCall() {
        Iterator<String> items = ClientCalls.blockingServerStreamingCall(channel, COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "5");
        List<String> got = new ArrayList<>();
        items.forEachRemaining(got::add);
        assertThat(got).containsExactly("item 1", "item 2", "item 3", "item 4", "item 5");
    }

    // A non-OK status reaches the client with its message and trailers.
    @Test
    void nonOkStatusWithTrailers() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        AtomicReference<Metadata> headers = new AtomicReference<>();
        var ch = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, FAIL,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "widget"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: widget");
                    assertThat(e.getTrailers().get(SERVED_BY)).isEqualTo("grpc-backend");
                });
        Poll.until(Duration.ofSeconds(10), "the log line of the failed call",
                () -> lb.output().contains("HTTP/2.0 /tandem.test.Echo/Fail 200 127.0.0.1:" + server.getPort()));
    }

    // The gRPC health check: SERVING keeps the backend up, NOT_SERVING takes it down (calls then get
    // UNAVAILABLE from Tandem's 503), SERVING again brings it back.
    @Test
    void grpcHealthCheckFollowsTheServingStatus() throws Exception {
        String address = "127.0.0.1:" + server.getPort();
        try {
            Poll.until(Duration.ofSeconds(10), "checks reaching the health service", () -> healthChecks.get() > 0);
            assertThat(lb.admin().backend("grpc", address).path("state").asText()).isEqualTo("up");
            serving = false;
            Poll.until(Duration.ofSeconds(10), "the backend down after NOT_SERVING",
                    () -> lb.admin().backend("grpc", address).path("state").asText().equals("down"));
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, ECHO,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "while down"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            serving = true;
        }
        Poll.until(Duration.ofSeconds(10), "the backend up again after SERVING",
                () -> lb.admin().backend("grpc", address).path("state").asText().equals("up"));
        assertThat(ClientCalls.blockingUnaryCall(channel, ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "back")).isEqualTo("echo: back");
    }
}
