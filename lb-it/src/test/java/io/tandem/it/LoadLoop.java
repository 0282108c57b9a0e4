package io.tandem.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady, bounded GET load on a loopback URL: {@code clients} threads, each
 * sending one request after another until {@link #stop()}, the request cap or
 * the time cap, whichever comes first. Counts answers per backend (by the
 * stubs' {@code X-Backend} header) and keeps every failure.
 */
final class LoadLoop implements AutoCloseable {

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger sent = new AtomicInteger();
    final AtomicLong ok = new AtomicLong();
    final Map<String, AtomicLong> byBackend = new ConcurrentHashMap<>();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

    LoadLoop(URI uri, int clients, int maxRequests, Duration maxTime) {
        long deadline = System.nanoTime() + maxTime.toNanos();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
                while (!stop.get() && System.nanoTime() < deadline && sent.incrementAndGet() <= maxRequests) {
                    try {
                        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                        String backend = r.headers().firstValue("X-Backend").orElse("(none)");
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                            byBackend.computeIfAbsent(backend, k -> new AtomicLong()).incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " from " + backend + ": " + r.body().trim());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }, "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** True once every client thread ended (stopped, or the request or time cap reached). */
    boolean finished() {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    long answeredBy(String backend) {
        AtomicLong n = byBackend.get(backend);
        return n == null ? 0 : n.get();
    }

    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
