package io.tandem.server.failover;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.config.FailoverConfig.WarmUpConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm standby: keeps a pair member's whole data path ready to take the VIPs over, whatever its role.
 *
 * <p>A node that has never proxied a request answers its first ones slowly: classes load, the JIT has
 * compiled nothing, no backend connection is open. A backup that takes over like that misses the clients'
 * timeouts for the first few hundred milliseconds. So each node sends requests through its own data path:
 * one private listener per pool on loopback, served by the same pipeline, strategy, backend connection pools
 * and metrics as the real listeners (its series carry {@code listener="warm-up"}; it writes no access
 * log). At start it sends {@link WarmUpConfig#requests()} of them, each on a new connection as most clients
 * come, one at a time and paced ({@link #START_GAP_NANOS}), spread over the pools that have a live backend; only then (or
 * after {@link #START_LIMIT_NANOS} of sending with backends too slow to get through them) is the node
 * {@linkplain #notReady() ready}. Clients' requests count toward it as well, and while the node serves the
 * VIPs to clients the warm-up slows to a tenth: a backup that took over before it was warm must not
 * compete with them, and their requests warm it. Afterwards it sends one request per I/O thread and pool each {@link WarmUpConfig#interval()}, so
 * the compiled code stays in use and every event loop keeps a keep-alive connection to the backends.
 *
 * <p>A listener that terminates TLS gets a private listener too, with its certificates and settings, and
 * the warm-up's requests to it are HTTPS, each with a full handshake ({@link Target#sni()}), so that the
 * handshake path is as warm as the rest.
 *
 * <p>The request is {@code GET} of the pool's health-check path (else {@code /}) with the check's
 * {@code Host} (else {@code localhost}) and {@code User-Agent: tandem-warm-up}: what backends already
 * answer cheaply and often. Plain threads with blocking sockets send them ({@code tandem-warm-up}), never
 * an event loop, at the lowest thread priority; after the start, one request at a time.
 */
public final class WarmStandby implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WarmStandby.class);
    private static final int TIMEOUT_MILLIS = 2000;
    private static final long WAIT_FOR_BACKENDS_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * The start's warm-up sends one request at a time, at most one per {@link #START_GAP_NANOS}: it must
     * not load the backends (shared with the peer that serves) nor starve a neighbour of CPU. About as
     * fast as a cold JVM answers anyway: 500 requests take 1.5-3 s.
     */
    static final long START_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** The start's warm-up ends after this long even when backends answer too slowly to finish it. */
    static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Where warm-up requests go: a private listener, the pool it sends them to, and what to ask for.
     *
     * @param sni null for a plain listener; else the listener terminates TLS and this is the server name the
     *     warm-up asks for in its handshakes ("" for none)
     */
    public record Target(String pool, InetSocketAddress address, String host, String path, boolean live,
                         String sni) {

        boolean tls() {
            return sni != null;
        }

        /** What a failure is kept under: the pool, and whether it went through TLS. */
        String key() {
            return tls() ? pool + TLS_KEY : pool;
        }
    }

    private static final String TLS_KEY = " over TLS";

    private volatile WarmUpConfig config;
    private final Supplier<List<Target>> targets;
    private final int ioThreads;
    private final Counter ok;
    private final Counter failed;
    private final Runnable onReady;
    private final BooleanSupplier serving;
    private final LongSupplier answered;
    /** The backends' answers when the warm-up started (set before its thread starts). */
    private long answeredAtStart;
    /** Answers of clients' requests at the last look (warm-up thread only). */
    private long clientAnswers;
    private final Thread thread;
    private volatile boolean closed;
    private final AtomicInteger sent = new AtomicInteger();
    /** How long the start's warm-up took; -1 while it runs. */
    private volatile long warmMillis = -1;
    /** Per pool, how its latest warm-up request failed; no entry once one succeeds again. */
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();

    /**
     * @param targets the current pools' private listeners (a reload replaces them), read each round
     * @param ioThreads requests per pool in each later round: one per event loop
     * @param onReady called (on the warm-up thread) when the start's warm-up is done
     * @param serving whether the node serves the VIPs now: then the start's warm-up slows to a tenth, so as
     *     not to compete with the clients' requests
     * @param answered responses the backends gave through this node since it started, its clients' and its
     *     own warm-up's: clients' requests warm the path just as well, so they count toward the start's
     */
    public WarmStandby(WarmUpConfig config, Supplier<List<Target>> targets, int ioThreads, MeterRegistry registry,
                       Runnable onReady, BooleanSupplier serving, LongSupplier answered) {
        this.config = config;
        this.serving = serving;
        this.answered = answered;
        this.targets = targets;
        this.ioThreads = ioThreads;
        this.onReady = onReady;
        this.ok = requests(registry, "ok");
        this.failed = requests(registry, "failed");
        this.thread = new Thread(this::run, "tandem-warm-up");
        thread.setDaemon(true);
        // Below everything else (nice +4 where the JVM maps priorities, -XX:ThreadPriorityPolicy=1 with the
        // right to: the Docker image): on a busy host the warm-up slows down before anyone's answers do.
        thread.setPriority(Thread.MIN_PRIORITY);
    }

    private static Counter requests(MeterRegistry registry, String result) {
        return Counter.builder("tandem_warmup_requests_total")
                .description("Requests the warm standby sent through this node's own data path, by result")
                .tag("result", result).register(registry);
    }

    public void start() {
        answeredAtStart = answered.getAsLong();
        thread.start();
    }

    /** A reload changed the warm-up settings: later rounds use them (a finished start is not repeated). */
    public void reconfigure(WarmUpConfig next) {
        this.config = next;
        LockSupport.unpark(thread);
    }

    /** Null once the start's warm-up is done, else how far it is. */
    public String notReady() {
        if (warmMillis >= 0) {
            return null;
        }
        return "warming up: " + progress() + " of " + config.requests() + " requests";
    }

    /**
     * Null when the latest warm-up request through {@code pool} was answered (or none was sent yet), else
     * how it failed: a pool whose backends look up but do not answer (passive checks only) is no reason to
     * take the VIPs.
     */
    public String failing(String pool) {
        String why = lastFailure.get(pool);
        if (why == null) {
            why = lastFailure.get(pool + TLS_KEY);
            return why == null ? null : "warm-up requests over TLS through pool " + pool + " fail (last: " + why + ")";
        }
        return "warm-up requests through pool " + pool + " fail (last: " + why + ")";
    }

    /** What /status shows: {@code warming} or {@code warm}, requests sent, and how long the start took. */
    public Snapshot snapshot() {
        return new Snapshot(warmMillis < 0 ? "warming" : "warm", (int) Math.min(Integer.MAX_VALUE, progress()),
                config.requests(), (long) ok.count(),
                (long) failed.count(), warmMillis, config.interval().toMillis());
    }

    /**
     * @param state {@code warming} until the start's requests are sent, then {@code warm}
     * @param sent requests through the data path since start so far: the warm-up's own and the clients'
     * @param startRequests how many the start sends
     * @param ok warm-up requests answered with a status below 500, since start
     * @param failed the others: no answer, a 5xx, a timeout
     * @param warmMillis how long the start took, -1 while warming
     * @param intervalMillis the period of the later rounds
     */
    public record Snapshot(String state, int sent, int startRequests, long ok, long failed, long warmMillis,
                           long intervalMillis) {}

    /** Whether clients' requests went through since the last look (answers beyond the warm-up's own). */
    private boolean clientsSeen() {
        long clients = answered.getAsLong() - answeredAtStart - sent.get();
        boolean seen = clients > clientAnswers;
        clientAnswers = clients;
        return seen;
    }

    /** Requests through the data path since start: the warm-up's own, or the backends' answers if more. */
    private long progress() {
        return Math.max(sent.get(), answered.getAsLong() - answeredAtStart);
    }

    private void run() {
        try {
            while (!closed && config.requests() > 0 && targets.get().stream().noneMatch(Target::live)) {
                // Warming the path to a pool with no backend up warms nothing that matters: wait for one.
                LockSupport.parkNanos(WAIT_FOR_BACKENDS_NANOS);
            }
            long started = System.nanoTime();
            startRound();
            if (closed) {
                return;
            }
            warmMillis = (System.nanoTime() - started) / 1_000_000;
            long n = progress();
            if (n < config.requests()) {
                log.warn("warm standby: only {} of {} requests answered within {}s (slow backends); calling the "
                        + "data path warm anyway", n, config.requests(), TimeUnit.NANOSECONDS.toSeconds(START_LIMIT_NANOS));
            }
            log.info("warm standby: {} requests through this node's own data path in {}ms ({} failed); warm", n,
                    warmMillis, (long) failed.count());
            onReady.run();
            while (!closed) {
                Duration every = config.interval();
                LockSupport.parkNanos(every.isZero() ? TimeUnit.SECONDS.toNanos(1) : every.toNanos());
                for (Target t : every.isZero() ? List.<Target>of() : targets.get()) {
                    for (int i = 0; i < ioThreads && !closed && t.live(); i++) {
                        send(t);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("warm standby stopped", e);
        }
    }

    /**
     * The start's warm-up: requests round-robin over the live pools, one at a time and at most one per
     * {@link #START_GAP_NANOS}, until enough went through. While the node serves the VIPs to clients it
     * goes at a tenth of that pace: a backup that just took over must not compete with them, and their
     * requests warm it too; a master without clients yet goes at the full pace. The time limit counts only the
     * time spent in requests.
     */
    private void startRound() {
        long sending = 0;
        for (int i = 0; !closed && sending < START_LIMIT_NANOS && progress() < config.requests(); i++) {
            long now = System.nanoTime();
            List<Target> live = targets.get().stream().filter(Target::live).toList();
            send(live.isEmpty() ? targets.get().get(0) : live.get(i % live.size()));
            sent.incrementAndGet();
            long took = System.nanoTime() - now;
            sending += took;
            long gap = serving.getAsBoolean() && clientsSeen() ? 10 * START_GAP_NANOS : START_GAP_NANOS;
            if (took < gap) {
                LockSupport.parkNanos(gap - took);
            }
        }
    }

    private void send(Target t) {
        String failure = sendOne(t);
        if (failure == null) {
            ok.increment();
            lastFailure.remove(t.key());
        } else {
            failed.increment();
            lastFailure.put(t.key(), failure);
        }
    }

    /**
     * One request on a new connection (over TLS a full handshake); null when it was answered with a status
     * below 500, else why not.
     */
    private String sendOne(Target t) {
        try (Socket s = t.tls() ? TlsClient.socket() : new Socket()) {
            s.connect(t.address(), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            if (s instanceof SSLSocket tls) {
                TlsClient.handshake(tls, t.sni());
            }
            s.getOutputStream().write(("GET " + t.path() + " HTTP/1.1\r\nHost: " + t.host()
                    + "\r\nUser-Agent: tandem-warm-up\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            int first = in.read(buffer);
            if (first < 12) {
                return "no answer";
            }
            int status = Integer.parseInt(new String(buffer, 9, 3, StandardCharsets.US_ASCII));
            while (in.read(buffer) >= 0) {
                // the response ends with the connection (Connection: close)
            }
            if (s instanceof SSLSocket tls) {
                TlsClient.forget(tls);
            }
            return status < 500 ? null : "HTTP " + status;
        } catch (IOException | NumberFormatException e) {
            log.debug("warm-up request to pool {} failed: {}", t.pool(), e.toString());
            return e.getClass().getSimpleName();
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
