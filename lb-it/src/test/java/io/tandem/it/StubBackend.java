package io.tandem.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A real HTTP server on a loopback port that names itself in {@code X-Backend} and names the address
 * that connected to it (the forwarding Tandem node) in {@code X-Seen-Peer}, and the request-target it got in
 * {@code X-Seen-Uri}.
 * <ul>
 *   <li>{@code GET /download?bytes=N} streams N bytes of {@link #pattern} (chunked)</li>
 *   <li>{@code GET /sized?bytes=N} the same with a {@code Content-Length}</li>
 *   <li>{@code POST /upload} answers the length and SHA-256 of the body it read</li>
 *   <li>{@code GET /hold?bytes=N} streams the first half of a download, then waits
 *       until the test calls {@link #releaseHeld()}, then streams the rest</li>
 *   <li>{@code /status/N} answers status N</li>
 *   <li>{@code /park} answers only when the test calls {@link #releaseParked()} (at most 30 s later);
 *       {@link #parked} counts the requests waiting</li>
 *   <li>anything else answers {@code hello from NAME}</li>
 * </ul>
 * Each answer carries {@code X-Seen-*} echoes of the forwarding headers it got.
 */
final class StubBackend implements BackendServer, AutoCloseable {

    static {
        // The JDK's server writes a response's head and body separately and, without TCP_NODELAY, Nagle holds
        // the body of every response after the first on a kept-alive connection until the proxy's delayed
        // ACK: 40 ms per reused backend connection, which no real web server (nginx: tcp_nodelay on) costs.
        nodelay();
    }

    /** Turns Nagle off in the JDK's HTTP server of this JVM; before its first server is created. */
    static void nodelay() {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    final AtomicInteger requests = new AtomicInteger();
    /** The paths of the first 16 requests, in order (health checks before traffic, say). */
    final List<String> firstPaths = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    private final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    /** Counts down when a /hold response has sent its first half. */
    final java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    /** Requests to /park that have not been answered yet. */
    final AtomicInteger parked = new AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch parkGate = new java.util.concurrent.CountDownLatch(1);

    StubBackend(String name) throws IOException {
        this(name, InetAddress.getLoopbackAddress());
    }

    /** A stub on {@code bind} (loopback, or the host side of a Docker network the test created). */
    StubBackend(String name, InetAddress bind) throws IOException {
        this(name, bind, 0);
    }

    /** A stub on {@code bind} and a given port (one a node was configured with before the stub started). */
    StubBackend(String name, InetAddress bind, int port) throws IOException {
        this(name, HttpServer.create(new InetSocketAddress(bind, port), 128));
    }

    /**
     * An HTTPS stub on a free loopback port. Its answers also name the SNI
     * name it was sent ({@code X-Seen-Sni}, {@code none} without one), the
     * subject of the client's certificate ({@code X-Seen-Client-Cert}) and the
     * client's port ({@code X-Seen-Peer-Port}: one port, one connection).
     */
    StubBackend(String name, StubTls tls) throws IOException {
        this(name, https(tls));
    }

    private static HttpsServer https(StubTls tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        SSLContext context = tls.context();
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = context.getDefaultSSLParameters();
                p.setNeedClientAuth(tls.requiresClientCertificate());
                params.setSSLParameters(p);
            }
        });
        return server;
    }

    private StubBackend(String name, HttpServer server) {
        this.name = name;
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public String address() {
        return server.getAddress().getAddress().getHostAddress() + ":" + port();
    }

    /** Byte i of every download: a pattern that detects shifted, lost or repeated bytes. */
    static byte pattern(long i) {
        return (byte) ((i * 31 + (i >>> 8)) & 0xff);
    }

    private void handle(HttpExchange ex) throws IOException {
        if (requests.incrementAndGet() <= 16) {
            firstPaths.add(ex.getRequestURI().getPath());
        }
        lastHeaders.clear();
        ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), String.join(",", v)));
        ex.getResponseHeaders().set("X-Backend", name);
        // The request-target as it arrived (after any rewrite by the proxy).
        ex.getResponseHeaders().set("X-Seen-Uri", ex.getRequestURI().toString());
        // Who connected: the Tandem node that forwarded the request.
        ex.getResponseHeaders().set("X-Seen-Peer", ex.getRemoteAddress().getAddress().getHostAddress());
        if (ex instanceof HttpsExchange) {
            SSLSession session = ((HttpsExchange) ex).getSSLSession();
            List<SNIServerName> names = session instanceof ExtendedSSLSession
                    ? ((ExtendedSSLSession) session).getRequestedServerNames() : List.of();
            ex.getResponseHeaders().set("X-Seen-Sni", names.isEmpty() ? "none"
                    : ((SNIHostName) names.get(0)).getAsciiName());
            String client;
            try {
                client = session.getPeerPrincipal().getName();
            } catch (SSLPeerUnverifiedException e) {
                client = "none";
            }
            ex.getResponseHeaders().set("X-Seen-Client-Cert", client);
            ex.getResponseHeaders().set("X-Seen-Peer-Port", Integer.toString(ex.getRemoteAddress().getPort()));
        }
        String path = ex.getRequestURI().getPath();
        try (ex) {
            if (path.equals("/download") || path.equals("/hold")) {
                long n = Long.parseLong(ex.getRequestURI().getQuery().replace("bytes=", ""));
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    long half = path.equals("/hold") ? n / 2 : -1;
                    byte[] buf = new byte[16 * 1024];
                    for (long sent = 0; sent < n; ) {
                        if (sent == half) {
                            out.flush();
                            holding.countDown();
                            held.await();
                        }
                        long end = sent < half ? half : n;
                        int len = (int) Math.min(buf.length, end - sent);
                        for (int i = 0; i < len; i++) {
                            buf[i] = pattern(sent + i);
                        }
                        out.write(buf, 0, len);
                        sent += len;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (path.equals("/sized")) {
                long n = Long.parseLong(ex.getRequestURI().getQuery().replace("bytes=", ""));
                ex.sendResponseHeaders(200, n);
                try (OutputStream out = ex.getResponseBody()) {
                    byte[] buf = new byte[16 * 1024];
                    for (long sent = 0; sent < n; ) {
                        int len = (int) Math.min(buf.length, n - sent);
                        for (int i = 0; i < len; i++) {
                            buf[i] = pattern(sent + i);
                        }
                        out.write(buf, 0, len);
                        sent += len;
                    }
                }
            } else if (path.equals("/upload")) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long length = 0;
                try (InputStream in = ex.getRequestBody()) {
                    byte[] buf = new byte[16 * 1024];
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        sha.update(buf, 0, r);
                        length += r;
                    }
                }
                reply(ex, 200, length + " " + HexFormat.of().formatHex(sha.digest()));
            } else if (path.equals("/park")) {
                java.util.concurrent.CountDownLatch gate = parkGate;
                parked.incrementAndGet();
                try {
                    gate.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    parked.decrementAndGet();
                }
                reply(ex, 200, "parked at " + name);
            } else if (path.startsWith("/status/")) {
                reply(ex, Integer.parseInt(path.substring("/status/".length())), name);
            } else {
                reply(ex, 200, "hello from " + name);
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    /** Answers every request waiting in /park; later ones wait again. */
    void releaseParked() {
        java.util.concurrent.CountDownLatch gate = parkGate;
        parkGate = new java.util.concurrent.CountDownLatch(1);
        gate.countDown();
    }

    /** Lets held /hold responses finish. */
    void releaseHeld() {
        held.countDown();
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        releaseParked();
        server.stop(0);
        executor.shutdownNow();
    }
}
