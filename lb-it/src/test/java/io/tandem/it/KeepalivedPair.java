package io.tandem.it;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import io.tandem.it.DockerPair.Node;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The comparison pair of docs/benchmarks.md: keepalived 2.2.7 + HAProxy 2.6 (Debian bookworm's packages, image
 * {@code tandem-bench-keepalived:bookworm} of {@code bench/keepalived/build-image.sh}) in two containers on a
 * network made by {@link DockerPair} (a random 172.28.X.0/24, the same two stub web servers on the host side at
 * .1), lb-a at .11 (priority 150) and lb-b at .12 (100), VIP .100/24 on eth0. The nodes are {@link Node}s of
 * that DockerPair, so they are killed, stopped, paused as Tandem's are.
 *
 * <p>The configuration is the plain one an operator writes (see {@link #keepalivedConf}): one
 * {@code vrrp_instance}, {@code state MASTER} on lb-a and {@code BACKUP} on lb-b, preemption on (no
 * {@code nopreempt}), VRRPv3 ({@code vrrp_version 3}, which allows a fractional {@code advert_int}) over unicast
 * between .11 and .12, no authentication (VRRPv3 has none), no {@code track_script}, no real-time scheduling
 * options, everything else keepalived's defaults. HAProxy listens on 0.0.0.0:8080 and balances round-robin over
 * the two stub servers with an HTTP check (defaults otherwise); it connects to them from the container's own
 * address, which the stub names in {@code X-Seen-Peer}. Each container's PID 1 is
 * {@code bench/keepalived/pair-entrypoint.sh}: it runs {@code ip monitor address} too (so the VIP's arrival and
 * removal are in the log), restarts keepalived 2 s after it died, and on SIGTERM stops keepalived first, then
 * HAProxy softly. The times of log lines are Docker's (when dockerd read the line from the container's output;
 * keepalived's own stamps have only seconds), read through {@link #logs}.
 */
final class KeepalivedPair implements AutoCloseable {

    static final String IMAGE = System.getProperty("keepalived.image", "tandem-bench-keepalived:bookworm");
    static final Path ENTRYPOINT = DockerPair.ROOT.resolve("bench/keepalived/pair-entrypoint.sh");
    private static final Pattern STATE = Pattern.compile("\\(VI_1\\) Entering (MASTER|BACKUP|FAULT) STATE");

    final DockerPair net;
    final Duration advert;
    private final List<Node> nodes = new ArrayList<>();

    /** Skips without Docker; fails when Docker runs but the image was not built. */
    static void requireImage() {
        Assumptions.assumeTrue(DockerPair.dockerAvailable(), "Docker is not available");
        if (DockerPair.docker().listImagesCmd().withImageNameFilter(IMAGE).exec().isEmpty()) {
            throw new AssertionError("the image " + IMAGE + " is missing; run bench/keepalived/build-image.sh");
        }
    }

    KeepalivedPair(Duration advert) throws IOException {
        this.advert = advert;
        this.net = new DockerPair(advert);
    }

    String vip() {
        return net.vip();
    }

    /** advert_int in seconds: 0.1, 0.02. */
    String advertInt() {
        return BigDecimal.valueOf(advert.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    /** keepalived.conf of node {@code n} (.1n) whose peer is node {@code peer}. */
    String keepalivedConf(int n, String name, String state, int priority, int peer) {
        return """
                global_defs {
                    router_id %s
                    vrrp_version 3
                }

                vrrp_instance VI_1 {
                    state %s
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int %s
                    unicast_src_ip %s
                    unicast_peer {
                        %s
                    }
                    virtual_ipaddress {
                        %s/24 dev eth0
                    }
                }
                """.formatted(name, state, priority, advertInt(), net.ip(n), net.ip(peer), vip());
    }

    String haproxyCfg() {
        StringBuilder b = new StringBuilder("""
                global
                    maxconn 4096

                defaults
                    mode http
                    timeout connect 1s
                    timeout client 30s
                    timeout server 30s

                frontend web
                    bind 0.0.0.0:8080
                    default_backend web

                backend web
                    balance roundrobin
                    option httpchk GET /
                """);
        int i = 1;
        for (String address : net.backendAddresses()) {
            b.append("    server web-").append(i++).append(' ').append(address).append(" check\n");
        }
        return b.toString();
    }

    Node start(int n, String name, String state, int priority, int peer) throws IOException {
        String ip = net.ip(n);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withNetwork(net.network)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withIpv4Address(ip).withHostName(name).withUser("root");
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW);
                })
                .withEnv("KEEPALIVED_RESTART_DELAY", "2")
                .withCopyToContainer(Transferable.of(Files.readString(ENTRYPOINT), 0755), "/etc/pair-entrypoint.sh")
                .withCopyToContainer(Transferable.of(keepalivedConf(n, name, state, priority, peer)),
                        "/etc/keepalived/keepalived.conf")
                .withCopyToContainer(Transferable.of(haproxyCfg()), "/etc/haproxy/haproxy.cfg");
        c.start();
        Node node = net.new Node(name, ip, c);
        nodes.add(node);
        return node;
    }

    /**
     * Starts the pair fresh, like {@link DockerPair#startPair()}: lb-a until it is MASTER and holds the VIP,
     * then lb-b; returns as soon as lb-b is BACKUP.
     */
    Node[] startPair() throws IOException {
        Node a = start(1, "lb-a", "MASTER", 150, 2);
        Poll.until(Duration.ofSeconds(60), "lb-a MASTER with the VIP\n" + logsOfAll(),
                () -> "MASTER".equals(state(a)) && a.holdsVip());
        Node b = start(2, "lb-b", "BACKUP", 100, 1);
        Poll.until(Duration.ofSeconds(60), "lb-a MASTER and lb-b BACKUP\n" + logsOfAll(),
                () -> "MASTER".equals(state(a)) && "BACKUP".equals(state(b)));
        b.startedAt = Instant.now();
        return new Node[] {a, b};
    }

    /** The VRRP state keepalived logged last (MASTER, BACKUP, FAULT), or null before its first. */
    static String state(Node n) {
        Matcher m = STATE.matcher(logs(n));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    /** The output of {@code n} so far, each line after Docker's timestamp (RFC 3339, nanoseconds, UTC). */
    static String logs(Node n) {
        StringBuffer b = new StringBuffer();
        try {
            DockerPair.docker().logContainerCmd(n.id()).withStdOut(true).withStdErr(true).withTimestamps(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            b.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            b.append("(logs of ").append(n.name).append(": ").append(e).append(")\n");
        }
        return b.toString();
    }

    /** When {@code n} logged a line containing a match of {@code regex}, the first time at or after {@code after}. */
    static Instant loggedAt(Node n, String regex, Instant after) {
        return lineAt(n, ".*" + regex, after);
    }

    /**
     * When {@code n} logged a line whose text (after the timestamp) starts with a match of {@code regex}, the
     * first time at or after {@code after}; null if it did not.
     */
    static Instant lineAt(Node n, String regex, Instant after) {
        Matcher m = Pattern.compile("^(\\S+Z) " + regex, Pattern.MULTILINE).matcher(logs(n));
        while (m.find()) {
            Instant at = Instant.parse(m.group(1));
            if (!at.isBefore(after.minusMillis(1))) {
                return at;
            }
        }
        return null;
    }

    /** When the VIP was added to eth0 of {@code n} (ip monitor) at or after {@code after}. */
    Instant vipAdded(Node n, Instant after) {
        return lineAt(n, "\\d+: eth0\\s+inet " + Pattern.quote(vip()) + "/24", after);
    }

    /** When the VIP was deleted from eth0 of {@code n} (ip monitor) at or after {@code after}. */
    Instant vipDeleted(Node n, Instant after) {
        return lineAt(n, "Deleted \\d+: eth0\\s+inet " + Pattern.quote(vip()) + "/24", after);
    }

    String logsOfAll() {
        StringBuilder b = new StringBuilder();
        for (Node n : nodes) {
            b.append("--- ").append(n.name).append(" ---\n").append(logs(n));
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            try {
                n.container.stop();
            } catch (RuntimeException e) {
                // already gone (killed): stop() removes what is left
            }
        }
        net.close();
    }

    static void writeReport(String line) throws IOException {
        Path dir = DockerPair.ROOT.resolve("lb-it/target/failover");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("keepalived.txt"), line + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
}
