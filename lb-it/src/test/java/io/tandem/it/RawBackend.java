package io.tandem.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP server whose every connection runs a test-supplied script on
 * its own thread: for backends that misbehave in exact ways (never answer,
 * reset after reading, switch protocols, stream without end) that a normal
 * HTTP server cannot be made to do.
 */
final class RawBackend implements BackendServer, AutoCloseable {

    /** What one backend connection does. */
    interface Script {
        void run(Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raw-backend");
        t.setDaemon(true);
        return t;
    });
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();

    RawBackend(Script script) throws IOException {
        this(script, 50);
    }

    RawBackend(Script script, int backlog) throws IOException {
        server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    threads.execute(() -> {
                        try (s) {
                            script.run(s);
                        } catch (IOException e) {
                            // The peer went away: nothing to report.
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** A backend that never accepts: its backlog fills, and later connects time out. */
    static RawBackend notAccepting() throws IOException {
        return new RawBackend(null, 1, false);
    }

    private RawBackend(Script script, int backlog, boolean accept) throws IOException {
        server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
    }

    @Override
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Reads one request head (up to the empty line) and counts it; null at end of stream. */
    String readHead(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (c == '\r' ? 1 : 0);
            if (matched == 4) {
                requests.incrementAndGet();
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
