package io.tandem.server.failover;

import io.tandem.config.FailoverConfig.VipConfig;
import io.tandem.core.failover.FailoverState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the host in line with the node's role: MASTER adds each VIP ({@code ip addr replace ADDR dev IF},
 * which is idempotent) and announces it with gratuitous ARP ({@code arping -U}, several times spaced so a
 * neighbour's ARP lock time cannot swallow them all); every other role removes the VIPs. Then the
 * {@code notify} script runs with the role.
 *
 * <p>Runs on its own single thread ({@code tandem-vip}) so that process starts never delay heartbeats.
 * Each role change bumps a generation; a failed step is logged, counted and retried every second for as
 * long as its generation is current; nothing here ever stops the daemon.
 */
final class VipController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipController.class);
    /** Gratuitous ARP times after taking a VIP: at once, then spaced past Linux's 1s neighbour lock time. */
    private static final long[] GARP_AT_MILLIS = {0, 150, 1100, 2500};
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);
    private static final long RETRY_MILLIS = 1000;
    private static final long CHECK_MILLIS = 1000;

    private final List<VipConfig> vips;
    private final String notifyScript;
    private final FailoverMeters meters;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-vip");
        t.setDaemon(true);
        return t;
    });
    private volatile long generation;
    private volatile boolean held;

    VipController(List<VipConfig> vips, String notifyScript, FailoverMeters meters) {
        this.vips = List.copyOf(vips);
        this.notifyScript = notifyScript;
        this.meters = meters;
        if (!vips.isEmpty()) {
            executor.scheduleWithFixedDelay(this::checkHeld, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A master's VIPs can vanish without this node acting: the interface was re-created (a container
     * reconnected to its network) or an operator removed one. Checked every second without running a
     * process (the JDK lists the interface's addresses); a missing VIP is added and announced again.
     */
    private void checkHeld() {
        long gen = generation;
        if (!held) {
            return;
        }
        for (VipConfig v : vips) {
            try {
                NetworkInterface nif = NetworkInterface.getByName(v.iface());
                if (nif == null) {
                    continue; // the interface is gone; nothing to add the VIP to until it is back
                }
                InetAddress vip = InetAddress.getByName(v.address().substring(0, v.address().indexOf('/')));
                if (!Collections.list(nif.getInetAddresses()).contains(vip)) {
                    log.warn("VIP {} is missing from {}; adding and announcing it again", v.address(), v.iface());
                    takeVips(gen);
                    return;
                }
            } catch (IOException e) {
                log.debug("cannot list the addresses of {}: {}", v.iface(), e.toString());
            }
        }
    }

    /** True once every VIP is on its interface and the first gratuitous ARP went out (MASTER only). */
    boolean held() {
        return held;
    }

    /**
     * At start, before the node takes any role: removes VIPs that a killed earlier run left on the host,
     * so two hosts never answer ARP for one address. Synchronous; failures are logged and counted.
     */
    void removeLeftovers() {
        for (VipConfig v : vips) {
            Result r = exec(List.of("ip", "addr", "del", v.address(), "dev", v.iface()), COMMAND_TIMEOUT);
            if (r.exit == 0) {
                log.info("removed VIP {} from {}: an earlier run left it there", v.address(), v.iface());
                continue;
            }
            if (absent(r)) {
                continue;
            }
            meters.failure("vip-del");
            log.warn("could not remove VIP {} from {} at start ({}); it may still answer ARP here", v.address(),
                    v.iface(), r.output.strip());
        }
    }

    /** Moves the host to {@code role} (asynchronously, in order with earlier calls). */
    void apply(FailoverState role) {
        long gen = ++generation;
        held = false;
        executor.execute(() -> {
            if (role == FailoverState.MASTER) {
                takeVips(gen);
            } else {
                releaseVips(gen);
            }
            notifyScript(role, gen, 1);
        });
    }

    /** MASTER re-asserts its VIPs (they vanish with a re-created interface) and announces them again. */
    void reannounce() {
        long gen = generation;
        executor.execute(() -> {
            if (gen == generation && held) {
                log.info("re-announcing VIPs with gratuitous ARP");
                takeVips(gen);
            }
        });
    }

    /** Clean stop: removes the VIPs now, on the caller's thread, after queued work (bounded wait). */
    void releaseNow(Duration timeout) {
        long gen = ++generation;
        held = false;
        var done = executor.submit(() -> releaseVips(gen));
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("VIPs not released within {}: {}", timeout, e.toString());
        }
    }

    private void takeVips(long gen) {
        if (gen != generation) {
            return;
        }
        long started = System.nanoTime();
        boolean all = true;
        for (VipConfig v : vips) {
            all &= run("vip-add", List.of("ip", "addr", "replace", v.address(), "dev", v.iface()));
        }
        if (all && !vips.isEmpty()) {
            log.info("VIPs {} configured in {}ms; announcing them", addresses(),
                    (System.nanoTime() - started) / 1_000_000);
        }
        if (!all) {
            executor.schedule(() -> takeVips(gen), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        for (long at : GARP_AT_MILLIS) {
            if (at == 0) {
                announce(gen);
            } else {
                executor.schedule(() -> announce(gen), at, TimeUnit.MILLISECONDS);
            }
        }
        if (gen == generation) {
            held = true;
        }
    }

    private String addresses() {
        StringBuilder b = new StringBuilder();
        for (VipConfig v : vips) {
            b.append(b.length() == 0 ? "" : ", ").append(v.address()).append(" on ").append(v.iface());
        }
        return b.toString();
    }

    private void announce(long gen) {
        if (gen != generation) {
            return;
        }
        for (VipConfig v : vips) {
            String ip = v.address().substring(0, v.address().indexOf('/'));
            if (ip.contains(":")) {
                continue; // IPv6: the kernel sends an unsolicited neighbour advertisement itself (ndisc_notify)
            }
            // arping waits a second for replies that never come to -U; it is not waited for here.
            start("garp", List.of("arping", "-U", "-c", "1", "-I", v.iface(), ip));
        }
    }

    private void releaseVips(long gen) {
        long started = System.nanoTime();
        boolean all = true;
        for (VipConfig v : vips) {
            all &= remove(v);
        }
        if (all && !vips.isEmpty()) {
            log.info("VIPs {} released in {}ms", addresses(), (System.nanoTime() - started) / 1_000_000);
        }
        if (!all && gen == generation) {
            executor.schedule(() -> {
                if (gen == generation) {
                    releaseVips(gen);
                }
            }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** True when the VIP is not on the interface (removed now or already absent). */
    private boolean remove(VipConfig v) {
        Result r = exec(List.of("ip", "addr", "del", v.address(), "dev", v.iface()), COMMAND_TIMEOUT);
        if (r.exit == 0 || absent(r)) {
            return true;
        }
        meters.failure("vip-del");
        log.warn("ip addr del {} dev {} failed ({}): {}", v.address(), v.iface(), r.exit, r.output.strip());
        return false;
    }

    /** {@code ip addr del} found no such VIP, which is the goal (the message depends on iproute2's version). */
    private static boolean absent(Result r) {
        return r.output.contains("Cannot assign requested address") || r.output.contains("Address not found");
    }

    private void notifyScript(FailoverState role, long gen, int attempt) {
        if (notifyScript == null || gen != generation) {
            return;
        }
        Result r = exec(List.of(notifyScript, role.name()), NOTIFY_TIMEOUT);
        if (r.exit == 0) {
            return;
        }
        meters.failure("notify");
        log.warn("notify script {} {} failed ({}), attempt {}: {}", notifyScript, role, r.exit, attempt,
                r.output.strip());
        if (attempt < 5) {
            executor.schedule(() -> notifyScript(role, gen, attempt + 1), RETRY_MILLIS * attempt,
                    TimeUnit.MILLISECONDS);
        }
    }

    private boolean run(String action, List<String> command) {
        Result r = exec(command, COMMAND_TIMEOUT);
        if (r.exit != 0) {
            meters.failure(action);
            log.warn("{} failed ({}): {}", String.join(" ", command), r.exit, r.output.strip());
        }
        return r.exit == 0;
    }

    private void start(String action, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.onExit().thenAccept(done -> {
                if (done.exitValue() != 0) {
                    meters.failure(action);
                    log.warn("{} failed ({})", String.join(" ", command), done.exitValue());
                }
            });
        } catch (IOException e) {
            meters.failure(action);
            log.warn("{} failed: {}", String.join(" ", command), e.getMessage());
        }
    }

    private static Result exec(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeout);
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private record Result(int exit, String output) {}

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
