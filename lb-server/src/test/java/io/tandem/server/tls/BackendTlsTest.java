package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.tandem.config.BackendTlsConfig;
import io.tandem.config.HostPort;
import io.tandem.server.NetErrors;
import io.tandem.server.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Handshakes of {@link BackendTls} with each engine (OpenSSL and the JDK's
 * fallback) against a JDK TLS server on loopback: what succeeds, what the
 * server sees as SNI, and how each failure reads in logs and /status.
 */
class BackendTlsTest {

    @TempDir
    static Path dir;

    static EventLoopGroup group;
    static final Transport transport = Transport.nio();
    /** Self-signed certificates: for 127.0.0.1 and app.internal; and one nobody trusts. */
    static Path trusted;
    static Path trustedKey;
    static Path stranger;

    @BeforeAll
    static void start() throws Exception {
        group = transport.newGroup(1, "tls-test");
        trusted = selfSigned("trusted", "IP:127.0.0.1,DNS:app.internal");
        trustedKey = dir.resolve("trusted.key");
        stranger = selfSigned("stranger", "IP:127.0.0.1");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A TLS server that handshakes once with the trusted certificate and reports the SNI names it got. */
    private static final class Server implements AutoCloseable {
        final SSLServerSocket socket;
        final CompletableFuture<List<String>> sni = new CompletableFuture<>();
        /** The protocol the server selected by ALPN ("" for none). */
        final CompletableFuture<String> alpn = new CompletableFuture<>();

        /** {@code protocols}: what the server selects from by ALPN; none: it ignores ALPN. */
        Server(String... protocols) throws Exception {
            Path p12 = dir.resolve("trusted.p12");
            openssl("pkcs12", "-export", "-in", trusted.toString(), "-inkey", trustedKey.toString(), "-out",
                    p12.toString(), "-passout", "pass:test");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                keys.load(in, "test".toCharArray());
            }
            KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            km.init(keys, "test".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(km.getKeyManagers(), null, null);
            socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 4,
                    InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) socket.accept()) {
                    if (protocols.length > 0) {
                        javax.net.ssl.SSLParameters parameters = s.getSSLParameters();
                        parameters.setApplicationProtocols(protocols);
                        s.setSSLParameters(parameters);
                    }
                    s.startHandshake();
                    alpn.complete(String.valueOf(s.getApplicationProtocol()));
                    List<String> names = new ArrayList<>();
                    ((ExtendedSSLSession) s.getSession()).getRequestedServerNames()
                            .forEach(n -> names.add(((SNIHostName) n).getAsciiName()));
                    sni.complete(names);
                    s.getInputStream().read();
                } catch (IOException e) {
                    sni.completeExceptionally(e);
                }
            }, "tls-test-server");
            t.setDaemon(true);
            t.start();
        }

        HostPort address() {
            return new HostPort("127.0.0.1", socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Connects to {@code address} and makes the handshake with {@code tls}; the future of both. */
    private static ChannelFuture secure(BackendTls tls, HostPort address, long timeoutMillis) throws Exception {
        long start = System.nanoTime();
        ChannelFuture connect = new Bootstrap().group(group).channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                })
                .connect(new InetSocketAddress(address.host(), address.port()));
        ChannelFuture ready = tls.secure(connect, address, start, timeoutMillis, null);
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        ready.channel().close().sync();
        return ready;
    }

    private static BackendTls tls(SslProvider provider, String ca, boolean verify, String sni) throws Exception {
        Assumptions.assumeTrue(provider != SslProvider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL loads here");
        return BackendTls.of("web", new BackendTlsConfig(ca, verify, sni, null, null), provider);
    }

    // With the certificate's CA, the handshake to an IP address succeeds and sends no SNI.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void verifiedByIpAddress(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, trusted.toString(), true, null), server.address(), 5000);
            assertThat(f.cause()).isNull();
            assertThat(server.sni.get(5, TimeUnit.SECONDS)).isEmpty();
        }
    }

    // The sni name is sent and the certificate verified against it.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void sniNameIsSent(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, trusted.toString(), true, "app.internal"), server.address(), 5000);
            assertThat(f.cause()).isNull();
            assertThat(server.sni.get(5, TimeUnit.SECONDS)).containsExactly("app.internal");
        }
    }

    // A CA that did not sign the certificate: the failure names the verification and its reason.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void wrongCaReadsAsSuch(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, stranger.toString(), true, null), server.address(), 5000);
            assertThat(NetErrors.describe(f.cause())).isEqualTo("TLS handshake failed: certificate verify failed: "
                    + "PKIX path building failed: unable to find valid certification path to requested target");
            assertThat(NetErrors.isTimeout(f.cause())).isFalse();
        }
    }

    // Without ca, the JDK's trust store decides: a private CA's certificate is refused, not accepted.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void withoutCaTheJdkTrustStoreDecides(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, null, true, null), server.address(), 5000);
            assertThat(NetErrors.describe(f.cause())).isEqualTo("TLS handshake failed: certificate verify failed: "
                    + "PKIX path building failed: unable to find valid certification path to requested target");
        }
    }

    // A name the certificate does not carry fails verification.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void otherNameFails(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, trusted.toString(), true, "web.internal"), server.address(), 5000);
            assertThat(NetErrors.describe(f.cause())).startsWith("TLS handshake failed: certificate verify failed: "
                    + "No subject alternative DNS name matching web.internal found");
        }
    }

    // verify: false accepts a certificate nobody trusts.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void unverifiedAcceptsAnyCertificate(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(tls(provider, null, false, null), server.address(), 5000);
            assertThat(f.cause()).isNull();
        }
    }

    // A server that accepts the connection but never answers the handshake: a timeout within the connect time.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void silentServerTimesOut(SslProvider provider) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            ChannelFuture f = secure(tls(provider, trusted.toString(), true, null),
                    new HostPort("127.0.0.1", silent.getLocalPort()), 300);
            assertThat(NetErrors.isTimeout(f.cause())).isTrue();
            assertThat(NetErrors.describe(f.cause())).matches("TLS handshake timed out after [0-9]+ms");
        }
    }

    // A backend port that speaks plain HTTP fails the handshake, and the reason says why.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void plainHttpPortFailsTheHandshake(SslProvider provider) throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = plain.accept()) {
                    s.getInputStream().read();
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                } catch (IOException e) {
                    // the client closed first
                }
            }, "plain-http");
            t.setDaemon(true);
            t.start();
            ChannelFuture f = secure(tls(provider, trusted.toString(), true, null),
                    new HostPort("127.0.0.1", plain.getLocalPort()), 5000);
            assertThat(NetErrors.describe(f.cause())).isEqualTo("TLS handshake failed: not an SSL/TLS record (the "
                    + "peer does not speak TLS on this port)");
        }
    }

    // A refused connect stays a refused connect.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void refusedConnectIsNotATlsFailure(SslProvider provider) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ChannelFuture f = secure(tls(provider, trusted.toString(), true, null), new HostPort("127.0.0.1", port), 2000);
        assertThat(NetErrors.describe(f.cause())).isEqualTo("connection refused");
    }

    private static BackendTls h2(SslProvider provider) throws Exception {
        Assumptions.assumeTrue(provider != SslProvider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL loads here");
        return BackendTls.of("grpc", new BackendTlsConfig(trusted.toString(), true, null, null, null), provider,
                true);
    }

    // An h2 pool's context offers h2 by ALPN; a backend that selects it completes the connection.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void http2SelectedByAlpn(SslProvider provider) throws Exception {
        try (Server server = new Server("h2", "http/1.1")) {
            BackendTls tls = h2(provider);
            assertThat(tls.http2()).isTrue();
            assertThat(tls.description()).endsWith(", ALPN h2");
            ChannelFuture f = secure(tls, server.address(), 5000);
            assertThat(f.cause()).isNull();
            assertThat(server.alpn.get(5, TimeUnit.SECONDS)).isEqualTo("h2");
        }
    }

    // A backend that ignores ALPN (HTTP/1.1 over TLS only) fails the connection, and the reason says so.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void backendWithoutAlpnFailsAnH2Connection(SslProvider provider) throws Exception {
        try (Server server = new Server()) {
            ChannelFuture f = secure(h2(provider), server.address(), 5000);
            assertThat(NetErrors.describe(f.cause())).isEqualTo("TLS handshake failed: ALPN: the backend selected "
                    + "no protocol where h2 was the only one offered, so it does not speak HTTP/2 over TLS");
            assertThat(f.channel().isOpen()).isFalse();
        }
    }

    // A backend whose ALPN knows only http/1.1 refuses the handshake; the reason names h2 and its answer.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void backendOfferingOnlyHttp11FailsAnH2Connection(SslProvider provider) throws Exception {
        try (Server server = new Server("http/1.1")) {
            ChannelFuture f = secure(h2(provider), server.address(), 5000);
            assertThat(NetErrors.describe(f.cause())).startsWith("TLS handshake failed: ALPN: the backend does not "
                    + "accept h2, the only protocol offered (it answered no_application_protocol), so it does not "
                    + "speak HTTP/2 over TLS");
        }
    }

    // An HTTP/1.1 pool's context offers no ALPN at all, as before h2 existed.
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void http11PoolOffersNoAlpn(SslProvider provider) throws Exception {
        try (Server server = new Server("h2", "http/1.1")) {
            BackendTls tls = tls(provider, trusted.toString(), true, null);
            assertThat(tls.http2()).isFalse();
            ChannelFuture f = secure(tls, server.address(), 5000);
            assertThat(f.cause()).isNull();
            assertThat(server.alpn.get(5, TimeUnit.SECONDS)).isEmpty();
        }
    }

    private static Path selfSigned(String name, String san) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                dir.resolve(name + ".key").toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "subjectAltName=" + san);
        return cert;
    }

    private static void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish within 30 s: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("openssl exited " + p.exitValue() + ": " + command + "\n" + out);
        }
    }
}
