package io.tandem.server.announce;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.config.AnnounceConfig;
import io.tandem.core.announce.AnnounceAction;
import io.tandem.core.announce.AnnounceState;
import io.tandem.core.announce.AnnounceStateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part among N active nodes: announces the VIPs through the routing daemon while the node is
 * ready, withdraws them when it is not, and withdraws first on a drain or a stop ({@link AnnounceStateMachine}
 * decides, this class acts). The VIPs are on {@code lo} (or the configured interface) for the whole life of
 * the process, so the node accepts the flows the router still sends it after a withdraw.
 *
 * <p>Everything runs on one thread, {@code tandem-announce}: the periodic check, the daemon's commands (which
 * block), the admin API's drain and enable (handed over with {@code execute}). Routes are asserted to the
 * daemon again every {@link #REASSERT_TICKS} checks while announced, and retried at every check after a
 * failed command, so a restarted daemon gets them back.
 */
public final class Announcer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Announcer.class);
    static final int REASSERT_TICKS = 10;

    /** What /status shows; {@code lastError} is the failure of the latest daemon command, null after a success. */
    public record Status(String state, String reason, boolean announced, List<String> vips, String daemon,
                         long announces, long withdraws, String lastError) {}

    /** The outcome of a drain or an enable for the admin API. */
    public record Change(boolean ok, String state, String message) {}

    private final AnnounceConfig config;
    private final String node;
    private final RouteDaemon daemon;
    private final Supplier<String> notReady;
    private final Runnable drainConnections;
    private final AnnounceStateMachine machine;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-announce");
        t.setDaemon(true);
        return t;
    });
    private final Counter announces;
    private final Counter withdraws;
    private final Counter errors;
    /**
     * Whether the daemon holds the routes as far as this node knows: a failed announce leaves it as it was,
     * a failed withdraw counts the routes as still there.
     */
    private volatile boolean inDaemon;
    /** The route should be announced (the machine is ANNOUNCED) but the last command failed: retry. */
    private boolean retry;
    private int ticks;
    private volatile AnnounceState state = AnnounceState.NOT_READY;
    private volatile String reason = "starting";
    private volatile String lastError;
    /** The VIPs {@link #start()} put on the interface (close takes off only these). */
    private final List<String> added = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param notReady why the node cannot serve its share now, or null when it is ready (read each check)
     * @param drainConnections drains the client connections (called after a drain's withdraw wait)
     */
    public Announcer(AnnounceConfig config, String node, MeterRegistry registry, Supplier<String> notReady,
                     Runnable drainConnections) {
        this(config, node, RouteDaemon.of(config), registry, notReady, drainConnections);
    }

    Announcer(AnnounceConfig config, String node, RouteDaemon daemon, MeterRegistry registry,
              Supplier<String> notReady, Runnable drainConnections) {
        this.config = config;
        this.node = node;
        this.daemon = daemon;
        this.notReady = notReady;
        this.drainConnections = drainConnections;
        this.machine = new AnnounceStateMachine(config.withdrawWait());
        Gauge.builder("tandem_announce_announced", () -> inDaemon ? 1 : 0)
                .description("1 while this node announces its VIPs through the routing daemon, else 0")
                .tag("node", node).register(registry);
        for (AnnounceState s : AnnounceState.values()) {
            Gauge.builder("tandem_announce_state", () -> state == s ? 1 : 0)
                    .description("1 for this node's current announce state")
                    .tags("node", node, "state", s.displayName()).register(registry);
        }
        announces = Counter.builder("tandem_announce_changes_total")
                .description("Announces and withdraws of the VIPs this node made through its routing daemon")
                .tag("action", "announce").register(registry);
        withdraws = Counter.builder("tandem_announce_changes_total")
                .description("Announces and withdraws of the VIPs this node made through its routing daemon")
                .tag("action", "withdraw").register(registry);
        errors = Counter.builder("tandem_announce_errors_total")
                .description("Commands to the routing daemon that failed (retried at the next check)")
                .register(registry);
    }

    /**
     * Puts the VIPs on the interface, withdraws whatever an earlier run of this node left announced (a
     * killed process cannot withdraw), and starts the checks.
     */
    public void start() throws IOException {
        for (String vip : config.vips()) {
            DaemonCommand.run(List.of("ip", "addr", "replace", vip, "dev", config.iface()));
            added.add(vip);
        }
        try {
            for (String vip : config.vips()) {
                daemon.withdraw(vip);
            }
        } catch (IOException e) {
            // The daemon may not be up yet; the checks retry once the node is ready.
            log.warn("announce: cannot reach {} at start: {}", daemon.describe(), e.getMessage());
        }
        log.info("announce: {} on {} through {}, withdrawn until ready", config.vips(), config.iface(),
                daemon.describe());
        long period = config.checkInterval().toNanos();
        thread.scheduleWithFixedDelay(this::check, 0, period, TimeUnit.NANOSECONDS);
    }

    public Status status() {
        return new Status(state.displayName(), reason, inDaemon, config.vips(), daemon.describe(),
                (long) announces.count(), (long) withdraws.count(), lastError);
    }

    /** Withdraws now; drains the connections after the withdraw wait. Completes once the withdraw ran. */
    public CompletableFuture<Change> drain() {
        return CompletableFuture.supplyAsync(() -> {
            AnnounceAction a = machine.drain(System.nanoTime());
            act(a);
            publish();
            long waitMs = TimeUnit.NANOSECONDS.toMillis(machine.nanosUntilDrain(System.nanoTime()));
            if (a == AnnounceAction.NONE) {
                return new Change(true, state.displayName(), "already " + state.displayName());
            }
            return new Change(!retry && !inDaemon, state.displayName(), inDaemon
                    ? "the withdraw failed (" + lastError + "); retried at each check"
                    : "withdrawn; connections drain in " + waitMs + " ms");
        }, thread);
    }

    /** Ends a drain: the node is announced again at the first check that finds it ready. */
    public CompletableFuture<Change> enable() {
        return CompletableFuture.supplyAsync(() -> {
            AnnounceState before = machine.state();
            machine.enable(System.nanoTime());
            publish();
            boolean changed = before != machine.state();
            return new Change(true, state.displayName(), changed ? "enabled; announced once ready"
                    : "not drained (" + state.displayName() + ")");
        }, thread);
    }

    /**
     * The first step of a clean stop: withdraws, then waits what is left of the withdraw wait, while the
     * listeners still serve. Blocks the calling thread (the stopping main thread).
     */
    public void stop() {
        try {
            long wait = CompletableFuture.supplyAsync(() -> {
                act(machine.shutdown(System.nanoTime()));
                publish();
                return machine.nanosUntilDrain(System.nanoTime());
            }, thread).get(DaemonCommand.TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
            if (wait > 0) {
                log.info("announce: withdrawn; serving {} ms more before draining", TimeUnit.NANOSECONDS.toMillis(wait));
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            thread.submit(() -> {
                act(machine.tick(System.nanoTime(), null));
                publish();
            }).get(DaemonCommand.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("announce: stop: {}", e.toString());
        }
    }

    /** Stops the checks and takes the VIPs it added off the interface (after {@link #stop()} withdrew them). */
    @Override
    public void close() {
        thread.shutdownNow();
        for (String vip : added) {
            try {
                DaemonCommand.run(List.of("ip", "addr", "del", vip, "dev", config.iface()));
            } catch (IOException e) {
                log.debug("announce: {}", e.getMessage());
            }
        }
    }

    private void check() {
        try {
            String why = notReady.get();
            AnnounceAction a = machine.tick(System.nanoTime(), why);
            if (a != AnnounceAction.NONE) {
                act(a);
            } else if (machine.state() == AnnounceState.ANNOUNCED && (retry || ++ticks % REASSERT_TICKS == 0)) {
                assertRoutes(true);
            } else if (machine.state() != AnnounceState.ANNOUNCED && retry) {
                assertRoutes(false);
            }
            publish();
        } catch (RuntimeException e) {
            log.error("announce check failed", e);
        }
    }

    private void act(AnnounceAction a) {
        switch (a) {
            case ANNOUNCE:
                log.info("announce: node {} ready, announcing {} through {}", node, config.vips(), daemon.describe());
                assertRoutes(true);
                announces.increment();
                break;
            case WITHDRAW:
                log.info("announce: node {} withdrawing {} ({})", node, config.vips(), machine.reason());
                assertRoutes(false);
                withdraws.increment();
                break;
            case DRAIN:
                if (machine.state() == AnnounceState.DRAINED) {
                    log.info("announce: withdraw wait over, draining client connections");
                    drainConnections.run();
                }
                break;
            default:
                break;
        }
    }

    /** Makes the daemon hold ({@code announced}) or not hold the routes; a failure is retried next check. */
    private void assertRoutes(boolean announced) {
        List<String> failed = new ArrayList<>();
        for (String vip : config.vips()) {
            try {
                if (announced) {
                    daemon.announce(vip);
                } else {
                    daemon.withdraw(vip);
                }
            } catch (IOException e) {
                failed.add(e.getMessage());
            }
        }
        retry = !failed.isEmpty();
        if (retry) {
            errors.increment();
            lastError = String.join("; ", failed);
            log.warn("announce: {} failed: {}", announced ? "announce" : "withdraw", lastError);
            // A failed withdraw leaves the route possibly there; a failed announce possibly not.
            inDaemon = !announced || inDaemon;
        } else {
            inDaemon = announced;
            lastError = null;
        }
    }

    private void publish() {
        state = machine.state();
        reason = machine.reason();
    }
}
