package io.tandem.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady load of GET requests on loopback: {@code clients} threads, each
 * with one keep-alive HTTP/1.1 connection, sending one request after the
 * other. It is bounded twice and stops by itself: after {@code maxRequests}
 * requests in all or after {@code maxTime}, whichever comes first.
 *
 * <p>The client is a plain socket on purpose: unlike {@link LoadLoop}'s JDK
 * HttpClient, which may resend a GET on a connection that closed, it never
 * retries, so every failure the balancer lets through is counted (an I/O
 * error, a connection closed without an answer, or a status other than 200).
 * It keeps every request's send time and answering backend, so a test can
 * ask what happened to the requests sent after a given moment.
 */
final class SocketLoadLoop implements AutoCloseable {

    /**
     * One request: when it was sent and when its answer (or error) was in, its status (0 when it failed
     * without one), who answered, or the error.
     */
    record Result(long sentNanos, long answeredNanos, int status, String backend, String error) {
        boolean ok() {
            return status == 200 && error == null;
        }
    }

    private final int port;
    private final int maxRequests;
    private final long deadline;
    private final AtomicInteger started = new AtomicInteger();
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    private SocketLoadLoop(int port, int maxRequests, Duration maxTime) {
        this.port = port;
        this.maxRequests = maxRequests;
        this.deadline = System.nanoTime() + maxTime.toNanos();
    }

    static SocketLoadLoop start(int port, int clients, int maxRequests, Duration maxTime) {
        SocketLoadLoop l = new SocketLoadLoop(port, maxRequests, maxTime);
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(l::run, "load-" + i);
            t.setDaemon(true);
            l.threads.add(t);
            t.start();
        }
        return l;
    }

    /** Requests completed so far (answered or failed). */
    int completed() {
        return results.size();
    }

    boolean running() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    /** Stops sending, waits for requests in flight, and returns every result. */
    List<Result> stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(30_000);
        }
        return new ArrayList<>(results);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void run() {
        Socket socket = null;
        InputStream in = null;
        while (!stop && System.nanoTime() < deadline && started.incrementAndGet() <= maxRequests) {
            long sent = System.nanoTime();
            try {
                if (socket == null) {
                    socket = new Socket(InetAddress.getLoopbackAddress(), port);
                    socket.setSoTimeout(15_000);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream());
                }
                OutputStream out = socket.getOutputStream();
                out.write("GET /load HTTP/1.1\r\nHost: load.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Response r = Response.read(in);
                results.add(new Result(sent, System.nanoTime(), r.status, r.backend, null));
                if (r.close) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException e) {
                long answered = System.nanoTime();
                results.add(e instanceof CutResponse cut
                        ? new Result(sent, answered, cut.status, cut.backend, cut.getMessage())
                        : new Result(sent, answered, 0, null, e.toString()));
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already failed
            }
        }
    }

    /** A response whose head arrived and whose body did not: it keeps who answered. */
    static final class CutResponse extends IOException {
        static final String MESSAGE = "connection closed mid-body";
        final int status;
        final String backend;

        CutResponse(int status, String backend) {
            super(MESSAGE);
            this.status = status;
            this.backend = backend;
        }
    }

    /** The parts of an HTTP/1.1 response the load loop needs; reads exactly one response. */
    private record Response(int status, String backend, boolean close) {

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("connection closed without a response");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            String backend = null;
            boolean close = false;
            boolean chunked = false;
            long length = -1;
            for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "x-backend": backend = value; break;
                    case "connection": close = value.equalsIgnoreCase("close"); break;
                    case "content-length": length = Long.parseLong(value); break;
                    case "transfer-encoding": chunked = value.equalsIgnoreCase("chunked"); break;
                    default: break;
                }
            }
            try {
                if (chunked) {
                    for (long size; (size = Long.parseLong(line(in).split(";")[0].trim(), 16)) > 0; ) {
                        skip(in, size);
                        line(in);
                    }
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                } else if (length >= 0) {
                    skip(in, length);
                } else {
                    throw new IOException("response without a length");
                }
            } catch (EOFException e) {
                throw new CutResponse(status, backend);
            }
            return new Response(status, backend, close);
        }

        private static void skip(InputStream in, long n) throws IOException {
            for (long left = n; left > 0; ) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                left--;
            }
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            for (int c; (c = in.read()) >= 0; ) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.US_ASCII);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            if (b.size() == 0) {
                return null;
            }
            throw new IOException("connection closed mid-line");
        }
    }
}
