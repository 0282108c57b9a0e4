package io.tandem.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client that starts a GET to the VIP every 10 ms, each on a fresh TCP connection in its own thread, and
 * records when it started and ended, whether it got a 200 within {@link #TIMEOUT}, and which Tandem node
 * forwarded it (the backend's {@code X-Seen-Peer}): the outsider's client of the failover measurements.
 * Bounded: it stops by itself after {@code maxDuration}.
 */
final class VipProbe implements AutoCloseable {

    static final Duration PERIOD = Duration.ofMillis(10);
    static final Duration TIMEOUT = Duration.ofMillis(200);

    record Result(long startNanos, long endNanos, boolean ok, String via, String error) {}

    /** One moment on both clocks, to turn the probes' nanoTime into wall-clock time (the nodes' logs). */
    private final long baseNanos = System.nanoTime();
    private final Instant baseWall = Instant.now();

    private final InetSocketAddress target;
    /** Changes of the VIP's entry in this host's ARP table: (nanoTime, link-layer address). */
    private final ConcurrentLinkedQueue<long[]> arpChanges = new ConcurrentLinkedQueue<>();
    private final List<String> arpMacs = java.util.Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newFixedThreadPool(48);
    private final long stopAt;

    private VipProbe(InetSocketAddress target, Duration maxDuration) {
        this.target = target;
        this.stopAt = System.nanoTime() + maxDuration.toNanos();
    }

    static VipProbe start(InetSocketAddress target, Duration maxDuration) {
        VipProbe p = new VipProbe(target, maxDuration);
        p.ticker.scheduleAtFixedRate(p::tick, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        Thread arp = new Thread(p::watchArp, "vip-probe-arp");
        arp.setDaemon(true);
        arp.start();
        return p;
    }

    /**
     * Reads this host's ARP table (/proc/net/arp: no process, no traffic) every millisecond and records
     * when the VIP's link-layer address changes: the moment a gratuitous ARP reached the client. Stops
     * with the probe.
     */
    private void watchArp() {
        String ip = target.getAddress().getHostAddress();
        String last = null;
        java.nio.file.Path table = java.nio.file.Path.of("/proc/net/arp");
        while (System.nanoTime() - stopAt < 0 && !ticker.isShutdown()) {
            try {
                for (String line : java.nio.file.Files.readAllLines(table)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 4 && f[0].equals(ip) && !f[3].equals("00:00:00:00:00:00") && !f[3].equals(last)) {
                        last = f[3];
                        arpChanges.add(new long[] {System.nanoTime(), arpMacs.size()});
                        arpMacs.add(last);
                    }
                }
            } catch (IOException e) {
                return; // no /proc here: the ARP times are then unknown
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** When the VIP's ARP entry on this host first changed at or after {@code eventNanos} (nanoTime), or -1. */
    long arpChangeAfter(long eventNanos) {
        for (long[] c : arpChanges) {
            if (c[0] >= eventNanos) {
                return c[0];
            }
        }
        return -1;
    }

    private void tick() {
        if (System.nanoTime() - stopAt > 0) {
            ticker.shutdown();
            return;
        }
        long start = System.nanoTime();
        workers.execute(() -> results.add(probe(start)));
    }

    private Result probe(long start) {
        try (Socket s = new Socket()) {
            s.connect(target, (int) TIMEOUT.toMillis());
            int left = (int) Math.max(1, TIMEOUT.toMillis() - (System.nanoTime() - start) / 1_000_000);
            s.setSoTimeout(left);
            s.getOutputStream().write(("GET /probe HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            long end = System.nanoTime();
            boolean late = end - start > TIMEOUT.toNanos();
            boolean ok = head.startsWith("HTTP/1.1 200") && !late;
            return new Result(start, end, ok, header(head, "x-seen-peer"), ok ? null : late ? "late" : firstLine(head));
        } catch (IOException e) {
            return new Result(start, System.nanoTime(), false, null, e.toString());
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            b.append((char) c);
            if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return b.toString();
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String firstLine(String head) {
        int end = head.indexOf("\r\n");
        return end < 0 ? head : head.substring(0, end);
    }

    /** The probes answered so far, in start order. */
    List<Result> results() {
        List<Result> all = new ArrayList<>(results);
        all.sort(Comparator.comparingLong(Result::startNanos));
        return all;
    }

    /** The last {@code n} probes that completed all succeeded through {@code via}. */
    boolean lastServedBy(String via, int n) {
        List<Result> all = results();
        if (all.size() < n) {
            return false;
        }
        for (Result r : all.subList(all.size() - n, all.size())) {
            if (!r.ok() || !via.equals(r.via())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The client outage caused by an event at {@code eventNanos}: from the start of the first failed probe
     * started after the event to the start of the first successful probe after it; 0 when no probe failed.
     */
    Duration outageAfter(long eventNanos) {
        List<Result> all = results();
        Long firstFailure = null;
        for (Result r : all) {
            if (r.startNanos() < eventNanos) {
                continue;
            }
            if (firstFailure == null && !r.ok()) {
                firstFailure = r.startNanos();
            } else if (firstFailure != null && r.ok()) {
                return Duration.ofNanos(r.startNanos() - firstFailure);
            }
        }
        if (firstFailure != null) {
            throw new AssertionError("no probe succeeded after the outage that began "
                    + (firstFailure - eventNanos) / 1_000_000 + "ms after the event: " + describe(eventNanos));
        }
        return Duration.ZERO;
    }

    /** The failed probes after {@code eventNanos}, one line each, for failure messages. */
    String describe(long eventNanos) {
        StringBuilder b = new StringBuilder();
        for (Result r : results()) {
            if (r.startNanos() >= eventNanos && !r.ok()) {
                b.append("\n  +").append((r.startNanos() - eventNanos) / 1_000_000).append("ms ").append(r.error());
            }
        }
        return b.toString();
    }

    /** The probes started at or after {@code eventNanos} that failed. */
    long failedAfter(long eventNanos) {
        return results().stream().filter(r -> r.startNanos() >= eventNanos && !r.ok()).count();
    }

    /**
     * When the client was served again after an event: the end of the first successful probe after the last
     * failed one started at or after {@code eventNanos} (wall clock, comparable with the nodes' log lines);
     * null when none failed.
     */
    Instant servedAgainAfter(long eventNanos) {
        List<Result> all = results();
        long lastFailure = -1;
        for (Result r : all) {
            if (r.startNanos() >= eventNanos && !r.ok()) {
                lastFailure = r.startNanos();
            }
        }
        if (lastFailure < 0) {
            return null;
        }
        for (Result r : all) {
            if (r.startNanos() > lastFailure && r.ok()) {
                return wall(r.endNanos());
            }
        }
        throw new AssertionError("no probe succeeded after the last failure: " + describe(eventNanos));
    }

    /** The end (nanoTime) of the first successful probe after the last failed one since {@code eventNanos}, or -1. */
    long servedAgainNanos(long eventNanos) {
        Instant at = servedAgainAfter(eventNanos);
        return at == null ? -1 : baseNanos + Duration.between(baseWall, at).toNanos();
    }

    /** The wall-clock time of a {@code System.nanoTime()} reading taken in this JVM. */
    Instant wall(long nanos) {
        return baseWall.plusNanos(nanos - baseNanos);
    }

    /** Probes that failed before {@code eventNanos} (there should be none: the pair was serving). */
    long failuresBefore(long eventNanos) {
        return results().stream().filter(r -> r.startNanos() < eventNanos && !r.ok()).count();
    }

    @Override
    public void close() throws InterruptedException {
        ticker.shutdownNow();
        workers.shutdown();
        if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
            workers.shutdownNow();
        }
    }
}
