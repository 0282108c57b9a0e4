package io.tandem.server.failover;

import io.tandem.config.FailoverConfig.VipConfig;
import io.tandem.core.failover.FailoverState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the host in line with the node's role: MASTER adds each VIP ({@code ip addr replace ADDR dev IF},
 * which is idempotent; an IPv6 one with {@code nodad}, so that it is usable at once instead of tentative
 * for the duplicate address detection, and not left "dadfailed" when the host of a master whose JVM died
 * still holds it) and announces it, several times spaced in case one is lost: an IPv4
 * VIP with gratuitous ARP ({@code arping -U}), an IPv6 VIP with an unsolicited neighbour advertisement
 * ({@code na6} of ipv6toolkit: to ff02::1, Override set, Solicited clear, with the interface's MAC as
 * target link-layer address). Every other role removes the VIPs. Then the {@code notify} script runs
 * with the role.
 *
 * <p>The configured interface is used while it exists; when it is gone (a container reconnected to its
 * network gets a new interface name) the interface that has an address in the VIP's subnet takes its
 * place, since only there can the VIP be reached by ARP. Removal finds the VIP wherever it is.
 *
 * <p>A node that steps down to a peer which already holds and announced the VIPs (a preemption, a planned
 * handover) keeps them until its requests in flight are answered ({@link #apply(FailoverState, boolean)}):
 * the clients already send new connections to the peer, and the answers of the old ones still leave from
 * an address this host has.
 *
 * <p>Runs on its own single thread ({@code tandem-vip}) so that process starts never delay heartbeats.
 * Each role change bumps a generation; a failed step is logged, counted and retried every second for as
 * long as its generation is current; nothing here ever stops the daemon.
 */
final class VipController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipController.class);
    /** Announcement times (gratuitous ARP, unsolicited NA) after taking a VIP: at once, then spaced. */
    private static final long[] GARP_AT_MILLIS = {0, 150, 1100, 2500};
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);
    private static final long RETRY_MILLIS = 1000;
    private static final long CHECK_MILLIS = 1000;
    /** A graceful release waits at least this long (the peer's gratuitous ARP reaching every client)... */
    private static final long DRAIN_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** ... and at most this long for the requests in flight. */
    private static final long DRAIN_MAX_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long DRAIN_POLL_MILLIS = 5;
    /** How long a command given to the batch {@code ip} may take before the one-shot one is tried. */
    private static final long BATCH_WAIT_NANOS = 500_000_000L;

    private final List<VipConfig> vips;
    private volatile String notifyScript;
    private final FailoverMeters meters;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-vip");
        t.setDaemon(true);
        // A takeover waits for this thread and the processes it starts (ip -batch, arping), which inherit
        // its nice value: nice -5 where the JVM maps priorities (-XX:ThreadPriorityPolicy=1 with the right
        // to, as in the Docker image), above the JIT's and GC's threads (-4) and the event loops (0).
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });
    /** Where each VIP was put last (vip thread only). */
    private final Map<VipConfig, String> devices = new HashMap<>();
    private final Runnable onHeld;
    private final IntSupplier inFlight;
    private final IpShell ip = new IpShell();
    /** The announcements (gratuitous ARP, unsolicited NA) a takeover sends, started ahead of it. */
    private final ArmedCommands announcements = new ArmedCommands();
    private volatile long generation;
    private volatile boolean held;
    private boolean missingLogged;

    /**
     * @param onHeld called (on the vip thread) when the VIPs have just been taken
     * @param inFlight the node's requests in flight, which a graceful release waits for
     */
    VipController(List<VipConfig> vips, String notifyScript, FailoverMeters meters, Runnable onHeld,
                  IntSupplier inFlight) {
        this.vips = List.copyOf(vips);
        this.notifyScript = notifyScript;
        this.meters = meters;
        this.onHeld = onHeld;
        this.inFlight = inFlight;
        if (!vips.isEmpty()) {
            executor.scheduleWithFixedDelay(this::checkHeld, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** True once every VIP is on an interface and the first gratuitous ARP went out (MASTER only). */
    boolean held() {
        return held;
    }

    /**
     * At start: says loudly when {@code ip}, or the announcing tool its VIPs need ({@code arping} for IPv4,
     * {@code na6} for IPv6), is missing (the node could not take its VIPs over), and so also starts the
     * JVM's process launching once, which a first takeover would pay for.
     */
    void checkTools() {
        if (vips.isEmpty()) {
            return;
        }
        List<List<String>> probes = new ArrayList<>(List.of(List.of("ip", "-V")));
        List<String> packages = new ArrayList<>(List.of("iproute2"));
        if (vips.stream().anyMatch(v -> !ipv6(v))) {
            probes.add(List.of("arping", "-V"));
            packages.add("iputils-arping");
        }
        if (vips.stream().anyMatch(VipController::ipv6)) {
            probes.add(List.of("na6", "-h"));
            packages.add("ipv6toolkit");
        }
        for (List<String> probe : probes) {
            Result r = exec(probe, COMMAND_TIMEOUT);
            // na6 has no version switch: its -h prints the usage and exits 1.
            boolean runs = probe.get(0).equals("na6") ? r.output.contains("usage: na6") : r.exit == 0;
            if (!runs) {
                meters.failure("tools");
                log.error("{} does not run ({}): this node cannot take its VIPs over; install {}", probe.get(0),
                        r.output.strip(), String.join(", ", packages.subList(0, packages.size() - 1)) + " and "
                                + packages.get(packages.size() - 1));
            }
        }
        // Start the batch ip now, and the first announcements, so that a takeover finds them running.
        executor.execute(() -> {
            ip.send("link show dev lo");
            armAnnouncements();
        });
    }

    /** Starts the announcement of each VIP on the interface it would go on, to run at the next takeover. */
    private void armAnnouncements() {
        for (VipConfig v : vips) {
            List<String> command = announcement(v, devices.getOrDefault(v, deviceFor(v)));
            if (command != null) {
                announcements.arm(command);
            }
        }
    }

    /**
     * At start, before the node takes any role: removes VIPs that a killed earlier run left on the host,
     * so two hosts never answer ARP for one address. Synchronous; failures are logged and counted.
     */
    void removeLeftovers() {
        for (VipConfig v : vips) {
            String holder = holderOf(v);
            if (holder == null) {
                continue;
            }
            if (run("vip-del", List.of("ip", "addr", "del", v.address(), "dev", holder))) {
                log.info("removed VIP {} from {}: an earlier run left it there", v.address(), holder);
            } else {
                log.warn("could not remove VIP {} from {} at start; it may still answer ARP here", v.address(), holder);
            }
        }
    }

    /**
     * Moves the host to {@code role} (asynchronously, in order with earlier calls). With {@code graceful}
     * (leaving MASTER to a peer that holds the VIPs already) the VIPs stay until the node's requests in
     * flight are answered: at least {@link #DRAIN_MIN_NANOS}, at most {@link #DRAIN_MAX_NANOS}.
     */
    void apply(FailoverState role, boolean graceful) {
        long gen = ++generation;
        held = false;
        executor.execute(() -> {
            if (role == FailoverState.MASTER) {
                takeVips(gen);
            } else if (graceful) {
                releaseAfterDrain(gen, System.nanoTime());
            } else {
                releaseVips(gen);
            }
            notifyScript(role, gen, 1);
        });
    }

    private void releaseAfterDrain(long gen, long since) {
        if (gen != generation) {
            return; // the role changed again meanwhile (back to MASTER: the VIPs are still here)
        }
        long waited = System.nanoTime() - since;
        int busy = inFlight.getAsInt();
        if (waited < DRAIN_MIN_NANOS || (busy > 0 && waited < DRAIN_MAX_NANOS)) {
            executor.schedule(() -> releaseAfterDrain(gen, since), DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (busy > 0) {
            log.warn("{} request(s) still in flight {}ms after stepping down; releasing the VIPs anyway", busy,
                    waited / 1_000_000);
        } else {
            log.info("requests in flight answered {}ms after stepping down; releasing the VIPs", waited / 1_000_000);
        }
        releaseVips(gen);
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

    /**
     * A master's VIPs can vanish without this node acting: the interface was re-created (a container
     * reconnected to its network) or an operator removed one. Checked every second without running a
     * process (the JDK lists the addresses); a missing VIP is added and announced again.
     */
    private void checkHeld() {
        long gen = generation;
        if (!held) {
            return;
        }
        for (VipConfig v : vips) {
            if (holderOf(v) == null) {
                log.warn("VIP {} is on no interface; adding and announcing it again", v.address());
                takeVips(gen);
                return;
            }
        }
    }

    private void takeVips(long gen) {
        if (gen != generation) {
            return;
        }
        long started = System.nanoTime();
        boolean all = true;
        for (VipConfig v : vips) {
            String device = deviceFor(v);
            if (device == null) {
                all = false;
                if (!missingLogged) {
                    meters.failure("vip-add");
                    log.warn("VIP {}: no interface {} and none in its subnet; retrying every second", v.address(),
                            v.iface());
                    missingLogged = true;
                }
                continue;
            }
            devices.put(v, device);
            List<String> add = addCommand(v, device);
            boolean fast = ip.send(String.join(" ", add)) && await(v, true);
            List<String> oneShot = new ArrayList<>(add.size() + 1);
            oneShot.add("ip");
            oneShot.addAll(add);
            all &= fast || run("vip-add", oneShot);
        }
        if (!all) {
            executor.schedule(() -> takeVips(gen), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        missingLogged = false;
        if (!vips.isEmpty()) {
            log.info("VIPs {} configured in {}ms; announcing them", addresses(), (System.nanoTime() - started) / 1_000_000);
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
            onHeld.run();
        }
    }

    private void announce(long gen) {
        if (gen != generation) {
            return;
        }
        for (VipConfig v : vips) {
            String device = devices.getOrDefault(v, v.iface());
            List<String> command = announcement(v, device);
            String action = ipv6(v) ? "una" : "garp";
            if (command == null) {
                meters.failure(action);
                log.warn("cannot announce VIP {}: interface {} has no link-layer address", v.address(), device);
                continue;
            }
            try {
                announcements.run(command, exit -> {
                    if (exit != 0) {
                        meters.failure(action);
                        log.warn("{} failed ({})", String.join(" ", command), exit);
                    }
                });
            } catch (IOException e) {
                meters.failure(action);
                log.warn("{} failed: {}", String.join(" ", command), e.getMessage());
            }
        }
        // The next announcement finds its process waiting; started after this one went out.
        executor.execute(this::armAnnouncements);
    }

    /**
     * The command that announces {@code v} on {@code device}: a gratuitous ARP for an IPv4 VIP (arping
     * waits a second for replies that never come to -U; nobody waits for it), an unsolicited NA for an
     * IPv6 one (the kernel sends none for an address added with nodad: ndisc_notify only follows a DAD,
     * once); null when there is no such interface, or it has no link-layer address for the NA.
     */
    private static List<String> announcement(VipConfig v, String device) {
        if (device == null) {
            return null;
        }
        if (!ipv6(v)) {
            return List.of("arping", "-U", "-c", "1", "-I", device, ip(v));
        }
        byte[] mac = hardwareAddress(device);
        return mac == null ? null : neighbourAdvertisement(device, ip(v), mac);
    }

    /** The {@code ip} arguments that add {@code v} on {@code device}; an IPv6 VIP skips DAD. */
    static List<String> addCommand(VipConfig v, String device) {
        return ipv6(v) ? List.of("addr", "replace", v.address(), "dev", device, "nodad")
                : List.of("addr", "replace", v.address(), "dev", device);
    }

    /**
     * An unsolicited neighbour advertisement for {@code ip} (RFC 4861 7.2.6) with ipv6toolkit's {@code na6}:
     * from {@code mac} and the VIP to all nodes (ff02::1, 33:33:00:00:00:01), Override set, Solicited and
     * Router clear, the target link-layer address option = {@code mac}. Every address is given, since na6
     * otherwise makes up random source addresses.
     */
    static List<String> neighbourAdvertisement(String device, String ip, byte[] mac) {
        String lla = mac(mac);
        return List.of("na6", "-i", device, "-S", lla, "-D", "33:33:00:00:00:01", "-s", ip, "-d", "ff02::1",
                "-t", ip, "-o", "-E", lla);
    }

    static String mac(byte[] mac) {
        StringBuilder b = new StringBuilder();
        for (byte x : mac) {
            b.append(b.length() == 0 ? "" : ":").append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }

    private static byte[] hardwareAddress(String device) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(device);
            byte[] mac = nif == null ? null : nif.getHardwareAddress();
            return mac == null || mac.length != 6 ? null : mac;
        } catch (SocketException e) {
            log.debug("cannot read the MAC of {}: {}", device, e.toString());
            return null;
        }
    }

    static boolean ipv6(VipConfig v) {
        return ip(v).contains(":");
    }

    private void releaseVips(long gen) {
        long started = System.nanoTime();
        boolean all = true;
        boolean any = false;
        for (VipConfig v : vips) {
            String holder = holderOf(v);
            if (holder != null) {
                any = true;
                boolean fast = ip.send("addr del " + v.address() + " dev " + holder) && await(v, false);
                all &= fast || run("vip-del", List.of("ip", "addr", "del", v.address(), "dev", holder));
            }
        }
        if (any && all) {
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

    /** Waits (at most {@link #BATCH_WAIT_NANOS}) until {@code v} is on an interface, or on none. */
    private static boolean await(VipConfig v, boolean present) {
        long deadline = System.nanoTime() + BATCH_WAIT_NANOS;
        do {
            if ((holderOf(v) != null) == present) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        } while (System.nanoTime() - deadline < 0);
        return false;
    }

    /** The interface to put {@code v} on: the configured one, else one with an address in v's subnet. */
    private static String deviceFor(VipConfig v) {
        try {
            if (NetworkInterface.getByName(v.iface()) != null) {
                return v.iface();
            }
            InetAddress vip = InetAddress.getByName(ip(v));
            int prefix = prefix(v);
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                    if (!a.getAddress().equals(vip) && sameSubnet(a.getAddress(), vip, prefix)) {
                        log.info("interface {} of VIP {} is gone; using {} which has {} in its subnet", v.iface(),
                                v.address(), nif.getName(), a.getAddress().getHostAddress());
                        return nif.getName();
                    }
                }
            }
        } catch (IOException e) {
            log.debug("cannot list interfaces: {}", e.toString());
        }
        return null;
    }

    /** The interface that has {@code v} now, or null. */
    private static String holderOf(VipConfig v) {
        try {
            InetAddress vip = InetAddress.getByName(ip(v));
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (Collections.list(nif.getInetAddresses()).contains(vip)) {
                    return nif.getName();
                }
            }
        } catch (SocketException e) {
            log.debug("cannot list interfaces: {}", e.toString());
        } catch (IOException e) {
            log.debug("bad VIP {}: {}", v.address(), e.toString());
        }
        return null;
    }

    static boolean sameSubnet(InetAddress a, InetAddress b, int prefix) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length || prefix > x.length * 8) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static String ip(VipConfig v) {
        return v.address().substring(0, v.address().indexOf('/'));
    }

    private static int prefix(VipConfig v) {
        return Integer.parseInt(v.address().substring(v.address().indexOf('/') + 1));
    }

    private String addresses() {
        StringBuilder b = new StringBuilder();
        for (VipConfig v : vips) {
            b.append(b.length() == 0 ? "" : ", ").append(v.address()).append(" on ")
                    .append(devices.getOrDefault(v, v.iface()));
        }
        return b.toString();
    }

    /** A reload changed the notify script; the next role change runs the new one. */
    void notifyScript(String script) {
        this.notifyScript = script;
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
        ip.close();
        announcements.close();
    }
}
