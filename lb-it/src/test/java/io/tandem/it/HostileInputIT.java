package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile clients against the real daemon: every request smuggling shape is
 * refused with the exact status and a closed connection, slow and greedy
 * clients are bounded, and after each one the daemon still serves the next
 * client normally.
 */
class HostileInputIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend backend;
    static RawBackend firehose;
    static RawBackend sink;
    static final AtomicLong firehoseSent = new AtomicLong();
    static final java.util.concurrent.CountDownLatch sinkReleased = new java.util.concurrent.CountDownLatch(1);
    static int sinkPort;
    static int port;
    static int manyPort;
    static int firehosePort;

    @BeforeAll
    static void start() throws Exception {
        backend = lb.stub("a");
        // Streams a 1 GiB body and counts what the proxy accepted from it.
        firehose = lb.raw(s -> {
            firehose.readHead(s);
            long size = 1L << 30;
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
                firehoseSent.addAndGet(chunk.length);
            }
        });
        // Reads a request head, then reads nothing more until the test lets it go.
        sink = lb.raw(s -> {
            sink.readHead(s);
            try {
                sinkReleased.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        lb.config()
                .listener("web", "web", l -> l.timeouts("header: 1s, idle: 30s")
                        .limits("header-size: 8KiB, uri-length: 1KiB"))
                .listener("many", "web", l -> l.timeouts("header: 60s, idle: 60s"))
                .listener("hose", "hose")
                .listener("sink", "sink")
                .pool("web", p -> p.backend(backend))
                .pool("sink", p -> p.backend(sink))
                .pool("hose", p -> p.backend(firehose));
        lb.start("-XX:MaxDirectMemorySize=256m");
        port = lb.port("web");
        manyPort = lb.port("many");
        firehosePort = lb.port("hose");
        sinkPort = lb.port("sink");
    }

    /** Lets the sink's script end before the fixture stops everything. */
    @AfterAll
    static void releaseSink() {
        sinkReleased.countDown();
    }

    /**
     * Sends {@code request} on a new connection: asserts the status, that the connection
     * closes, that no request reached the backend, and that the next client is served.
     */
    private static void refused(String request, int status) throws Exception {
        int before = backend.requests.get();
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(request).read();
            assertThat(r.status()).as("status for %s", request).isEqualTo(status);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.header("content-type")).startsWith("text/plain");
            assertThat(c.closedByPeer()).as("connection closed after %d", status).isTrue();
        }
        assertThat(backend.requests.get()).as("requests that reached the backend").isEqualTo(before);
        nextClientIsServed();
    }

    private static void nextClientIsServed() throws IOException {
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello from a");
        }
    }

    // Content-Length together with Transfer-Encoding (the CL.TE/TE.CL smuggling shape): 400.
    @Test
    void contentLengthWithTransferEncodingIs400() throws Exception {
        refused("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    }

    // Two different Content-Lengths: 400.
    @Test
    void twoContentLengthsAre400() throws Exception {
        refused("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400);
    }

    // A Transfer-Encoding that is not chunked ("xchunked"): the body length is unknowable, 400 (RFC 9112 6.3).
    @Test
    void xchunkedIs400() throws Exception {
        refused("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400);
    }

    // A coding Tandem does not implement before a final chunked: 501 (RFC 9112 6.1).
    @Test
    void unknownCodingBeforeChunkedIs501() throws Exception {
        refused("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
    }

    // A folded header line (obs-fold): 400.
    @Test
    void obsFoldIs400() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400);
    }

    // A header line ended by a bare LF: 400 (a proxy must not guess the framing).
    @Test
    void bareLfIs400() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400);
    }

    // A chunk size that is not hex, in the same write as the head: 400, and nothing of the request reaches the backend.
    @Test
    void invalidChunkSizeIs400() throws Exception {
        int before = backend.requests.get();
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nhello\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        // The bad size line came with the head, so the codec refused the head itself (FrontendCodec's look-ahead).
        assertThat(backend.requests.get() - before).isZero();
        nextClientIsServed();
    }

    // A chunk size line that is invalid and arrives with its head: 400 before any of the request goes on. Its own
    // daemon and a backend that records every connection and byte: the backend sees nothing at all, then serves
    // the next request.
    @Test
    void invalidChunkSizeWithItsHeadNeverReachesTheBackend() throws Exception {
        StringBuffer received = new StringBuffer();
        RawBackend recorder = lb.raw(s -> {
            while (recordHead(s, received)) {
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
            }
        });
        TandemFixture.Node own = lb.node("chunk-lookahead");
        own.config().listener("web", "web").pool("web", p -> p.backend(recorder));
        own.start();
        int ownPort = own.port("web");
        try (RawClient c = new RawClient(ownPort)) {
            RawClient.Response r = c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "\r\n5;a@b\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.text()).contains("an invalid chunk extension");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(recorder.connections.get()).as("connections to the backend").isZero();
        assertThat(received.toString()).as("bytes the backend received").isEmpty();

        try (RawClient c = new RawClient(ownPort)) {
            RawClient.Response r = c.send("GET /fresh HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
        }
        assertThat(recorder.connections.get()).isEqualTo(1);
        assertThat(received.toString()).startsWith("GET /fresh HTTP/1.1\r\n").doesNotContain("smuggled");
    }

    /** Reads one request head, appending its bytes to {@code received}; false at end of stream. */
    private static boolean recordHead(Socket s, StringBuffer received) throws IOException {
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            head.append((char) c);
            received.append((char) c);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                return true;
            }
        }
        return false;
    }

    // A NUL byte in a header value: 400.
    @Test
    void nulInHeaderIs400() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", 400);
    }

    // A header block over the listener's 8 KiB limit: 431.
    @Test
    void headersOverLimitAre431() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n", 431);
    }

    // A request-target over the listener's 1 KiB limit: 414.
    @Test
    void uriOverLimitIs414() throws Exception {
        refused("GET /" + "a".repeat(1100) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    // HTTP/1.1 without Host: 400 (RFC 9112 3.2).
    @Test
    void missingHostIs400() throws Exception {
        refused("GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400);
    }

    // Slowloris: a head trickled one byte every 40 ms (7 s in all) is cut off with 408 after the 1 s header timeout.
    @Test
    void slowlorisGets408() throws Exception {
        byte[] head = ("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\nX-Padding: "
                + "p".repeat(120) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sent = new AtomicInteger();
        try (RawClient c = new RawClient(port, 10_000)) {
            OutputStream out = c.socket().getOutputStream();
            trickle.scheduleAtFixedRate(() -> {
                int i = sent.get();
                if (i < head.length) {
                    try {
                        out.write(head[i]);
                        out.flush();
                        sent.incrementAndGet();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, 0, 40, TimeUnit.MILLISECONDS);
            long startNanos = System.nanoTime();
            RawClient.Response r = c.read();
            long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
            assertThat(r.status()).isEqualTo(408);
            assertThat(sent.get()).as("bytes trickled before the 408").isLessThan(head.length);
            assertThat(elapsedMillis).as("408 after the 1 s header timeout, not at the end of the head")
                    .isBetween(900L, 4000L);
            assertThat(c.closedByPeer()).isTrue();
        } finally {
            trickle.shutdownNow();
        }
        nextClientIsServed();
    }

    // A kept-alive connection idles under `idle`, not `header`: a second request after more than 1 s is served.
    @Test
    void keptAliveConnectionIsNotCutByHeaderTimeout() throws Exception {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            // Waits out the header timeout while checking the connection stays open.
            Poll.until(Duration.ofSeconds(5), "1.5 s of open idle connection", () -> {
                try {
                    return System.nanoTime() > until && !quickClosed(c);
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    private static boolean quickClosed(RawClient c) throws IOException {
        int old = c.socket().getSoTimeout();
        c.socket().setSoTimeout(1);
        try {
            return c.closedByPeer();
        } finally {
            c.socket().setSoTimeout(old);
        }
    }

    // A client that never reads a 1 GiB response: backpressure stops the backend after a few MiB,
    // and Netty's direct memory stays small.
    @Test
    void clientThatNeverReadsKeepsMemoryBounded() throws Exception {
        try (Socket lazy = new Socket(InetAddress.getLoopbackAddress(), firehosePort)) {
            lazy.setReceiveBufferSize(64 * 1024);
            lazy.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Poll.until(Duration.ofSeconds(20), "the backend to start streaming", () -> firehoseSent.get() > 1 << 20);
            // Stalled: no growth between two reads 500 ms apart.
            long[] last = {-1};
            long[] lastAt = {System.nanoTime()};
            Poll.until(Duration.ofSeconds(30), "the backend's writes to block", () -> {
                long now = firehoseSent.get();
                if (now != last[0]) {
                    last[0] = now;
                    lastAt[0] = System.nanoTime();
                    return false;
                }
                return System.nanoTime() - lastAt[0] > TimeUnit.MILLISECONDS.toNanos(500);
            });
            assertThat(firehoseSent.get()).as("bytes the backend got rid of (of 1 GiB)").isLessThan(64L << 20);
            assertThat(directMemory()).as("netty_direct_memory_used_bytes").isLessThan(32L << 20);
            nextClientIsServed();
        }
    }

    // An upload to a backend that stops reading: the client's writes block after a few MiB and direct memory stays small.
    @Test
    void uploadToABackendThatNeverReadsKeepsMemoryBounded() throws Exception {
        AtomicLong uploaded = new AtomicLong();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), sinkPort)) {
            client.setSendBufferSize(64 * 1024);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + (1L << 30) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < 1L << 30; sent += chunk.length) {
                        out.write(chunk);
                        uploaded.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // The socket is closed when the test ends.
                }
            }, "uploader");
            writer.setDaemon(true);
            writer.start();
            Poll.until(Duration.ofSeconds(20), "the upload to start", () -> uploaded.get() > 1 << 20);
            long[] last = {-1};
            long[] lastAt = {System.nanoTime()};
            Poll.until(Duration.ofSeconds(30), "the client's writes to block", () -> {
                long now = uploaded.get();
                if (now != last[0]) {
                    last[0] = now;
                    lastAt[0] = System.nanoTime();
                    return false;
                }
                return System.nanoTime() - lastAt[0] > TimeUnit.MILLISECONDS.toNanos(500);
            });
            assertThat(uploaded.get()).as("bytes the client got rid of (of 1 GiB)").isLessThan(64L << 20);
            assertThat(directMemory()).as("netty_direct_memory_used_bytes").isLessThan(32L << 20);
            nextClientIsServed();
        }
    }

    // 10,000 idle client connections: the daemon keeps them all and still serves a normal request, also on one of them.
    @Test
    void tenThousandIdleConnections() throws Exception {
        List<Socket> idle = new ArrayList<>(10_000);
        try {
            for (int i = 0; i < 10_000; i++) {
                idle.add(new Socket(InetAddress.getLoopbackAddress(), manyPort));
            }
            try (RawClient c = new RawClient(manyPort)) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            }
            Socket first = idle.get(0);
            first.setSoTimeout(10_000);
            first.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(first.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("hello from a");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        nextClientIsServed();
    }

    private static long directMemory() throws Exception {
        HttpResponse<String> r = lb.admin().get("/metrics");
        Matcher m = Pattern.compile("(?m)^netty_direct_memory_used_bytes(?:\\{[^}]*})? ([0-9.eE+]+)$").matcher(r.body());
        assertThat(m.find()).as("netty_direct_memory_used_bytes in /metrics").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
