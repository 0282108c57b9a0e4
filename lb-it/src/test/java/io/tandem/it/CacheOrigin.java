package io.tandem.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP origin on a loopback port whose answers the test scripts per
 * path ({@link #on}): status, headers, body. It counts the requests of each
 * path, keeps the headers of the last one, answers 304 to an
 * {@code If-None-Match} that matches the path's {@code ETag} (counted apart),
 * and can hold a path's answers until the test opens its gate ({@link #hold}),
 * counting the requests that wait. A path without a script answers 404.
 */
final class CacheOrigin implements BackendServer, AutoCloseable {

    record Answer(int status, Map<String, String> headers, String body) {
        static Answer ok(String body, String... headerPairs) {
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 0; i < headerPairs.length; i += 2) {
                h.put(headerPairs[i], headerPairs[i + 1]);
            }
            return new Answer(200, h, body);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(128);
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> notModified = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> lastHeaders = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    final AtomicInteger waiting = new AtomicInteger();

    CacheOrigin() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    @Override
    public String address() {
        return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    CacheOrigin on(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    /** Answers of {@code path} wait until {@link #release} (at most 30 s). */
    void hold(String path) {
        gates.put(path, new CountDownLatch(1));
    }

    void release(String path) {
        CountDownLatch gate = gates.remove(path);
        if (gate != null) {
            gate.countDown();
        }
    }

    /** Requests of {@code path} the origin got (304s included). */
    int count(String path) {
        AtomicInteger n = counts.get(path);
        return n == null ? 0 : n.get();
    }

    /** Requests of {@code path} answered 304. */
    int notModified(String path) {
        AtomicInteger n = notModified.get(path);
        return n == null ? 0 : n.get();
    }

    /** A header (lowercase name) of the last request of {@code path}, or null. */
    String lastHeader(String path, String name) {
        Map<String, String> h = lastHeaders.get(path);
        return h == null ? null : h.get(name);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        Map<String, String> seen = new ConcurrentHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> seen.put(k.toLowerCase(), String.join(",", v)));
        lastHeaders.put(path, seen);
        try {
            ex.getRequestBody().readAllBytes();
            CountDownLatch gate = gates.get(path);
            if (gate != null) {
                waiting.incrementAndGet();
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    waiting.decrementAndGet();
                }
            }
            Answer a = answers.get(path);
            if (a == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.getResponseHeaders().set("X-Origin-Count", Integer.toString(count(path)));
            String etag = a.headers().get("ETag");
            String inm = seen.get("if-none-match");
            if (etag != null && etag.equals(inm)) {
                notModified.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                ex.sendResponseHeaders(304, -1);
                return;
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(a.status(), head || body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        gates.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        executor.shutdownNow();
    }
}
