package io.tandem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * Two (or more) Tandem nodes in containers of the image built from {@code docker/Dockerfile}, on a Docker
 * network this class creates (a random 172.28.X.0/24), in front of two stub web servers that listen on the
 * host side of that network. Node N gets address .1N, the VIP is .100. Everything is closed by
 * {@link #close()}.
 */
final class DockerPair implements AutoCloseable {

    static final String IMAGE = "tandem-it:latest";
    static final String BASE_IMAGE = System.getProperty("tandem.baseImage",
            System.getenv().getOrDefault("TANDEM_BASE_IMAGE", "tandem-base:bookworm"));
    static final Path ROOT = Path.of(System.getProperty("tandem.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String builtImage;
    /**
     * Whether Docker's cgroup has a real-time CPU budget to give up to three containers {@link #RT_RUNTIME}
     * each (cgroup v1 with real-time group scheduling; .ci/docker-up sets one). Without it the heartbeat
     * thread runs at nice -5.
     */
    static final boolean REALTIME_BUDGET = realtimeBudget();
    /**
     * A node's real-time runtime per 1 s period, in microseconds: what docs/operations.md tells operators
     * to give (a thread past its budget stands still until the period ends; 50 ms was seen to run out).
     */
    static final long RT_RUNTIME = 200_000;

    private static boolean realtimeBudget() {
        try {
            Path budget = Path.of("/sys/fs/cgroup/cpu/docker/cpu.rt_runtime_us");
            return Files.exists(budget) && Long.parseLong(Files.readString(budget).strip()) >= 3 * RT_RUNTIME;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    final String prefix;
    final Network network;
    final Duration advert;
    final byte[] key = new byte[32];
    private final List<StubBackend> web = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    /**
     * The JVM options of the nodes; null runs the image's own (the launcher's defaults), as a user
     * would: the failover measurements are taken from nodes started exactly like that.
     */
    String javaOpts;
    /** lb-a's preempt-delay (node 1). */
    Duration preemptDelayA = Duration.ZERO;
    /** Backend addresses of node 1 (lb-a) instead of the two web servers, e.g. one where nothing listens. */
    List<String> backendsA;
    /** More keys of node 1's failover section, e.g. {@code f -> f.set("track", "{ no-backend-up: false }")}. */
    Consumer<TandemConfig.Failover> failoverA = f -> { };
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    /**
     * Skips the calling test when there is no Docker here, but fails it in CI ({@code CI=true}), where
     * .ci/run provides Docker: the failover proof must never silently not run.
     */
    static void requireDocker() {
        boolean available = dockerAvailable();
        if (!available && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true but Docker is not available; .ci/run starts dockerd and builds "
                    + BASE_IMAGE + " (see .ci/docker-up)");
        }
        Assumptions.assumeTrue(available, "Docker is not available (outside CI these tests skip)");
        boolean baseImage = !DockerClientFactory.instance().client().listImagesCmd()
                .withImageNameFilter(BASE_IMAGE).exec().isEmpty();
        if (!baseImage) {
            throw new AssertionError("Docker runs but the base image " + BASE_IMAGE + " is missing; run .ci/docker-up");
        }
    }

    /** Whether a Docker engine answers here. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The image of docker/Dockerfile with the jar of this build, built once per test JVM. */
    static synchronized String image() {
        if (builtImage == null) {
            builtImage = new ImageFromDockerfile(IMAGE, false)
                    .withFileFromPath("docker/Dockerfile", ROOT.resolve("docker/Dockerfile"))
                    .withFileFromPath("docker/entrypoint.sh", ROOT.resolve("docker/entrypoint.sh"))
                    .withFileFromPath("tandem", ROOT.resolve("tandem"))
                    .withFileFromPath("lb-server/target/tandem.jar", TandemProcess.JAR.toAbsolutePath())
                    .withDockerfilePath("docker/Dockerfile")
                    .withBuildArg("BASE_IMAGE", BASE_IMAGE)
                    .get();
        }
        return builtImage;
    }

    DockerPair(Duration advert) throws IOException {
        this.advert = advert;
        ThreadLocalRandom.current().nextBytes(key);
        Network created = null;
        String chosen = null;
        for (int attempt = 0; created == null; attempt++) {
            String p = "172.28." + ThreadLocalRandom.current().nextInt(10, 250);
            Network n = Network.builder()
                    .createNetworkCmdModifier(cmd -> cmd.withIpam(new com.github.dockerjava.api.model.Network.Ipam()
                            .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config()
                                    .withSubnet(p + ".0/24").withGateway(p + ".1"))))
                    .build();
            try {
                n.getId();
                created = n;
                chosen = p;
            } catch (RuntimeException e) {
                n.close();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        this.network = created;
        this.prefix = chosen;
        InetAddress gateway = InetAddress.getByName(prefix + ".1");
        web.add(new StubBackend("web-1", gateway));
        web.add(new StubBackend("web-2", gateway));
    }

    String vip() {
        return prefix + ".100";
    }

    /** The two stub web servers, host:port (for the comparison pair of {@link KeepalivedPair}). */
    List<String> backendAddresses() {
        return web.stream().map(StubBackend::address).toList();
    }

    InetSocketAddress vipAddress() {
        return new InetSocketAddress(vip(), 8080);
    }

    String ip(int n) {
        return prefix + "." + (10 + n);
    }

    /** The YAML of node {@code n} whose peer is node {@code peer}. */
    String config(int n, String name, int priority, int peer, boolean withVip) {
        List<String> backends = n == 1 && backendsA != null ? backendsA : backendAddresses();
        TandemConfig config = new TandemConfig()
                .listener("web", "web", l -> l.bind("0.0.0.0:8080"))
                .adminBind("0.0.0.0", 9901)
                // Active checks, as a pair in front of web servers has them.
                .pool("web", p -> {
                    backends.forEach(p::backend);
                    p.health("path: /health, interval: 1s, timeout: 500ms");
                })
                .failover(f -> f.node(name).priority(priority)
                        .bind(ip(n) + ":5405").peer(ip(peer) + ":5405")
                        .advertInterval(advert)
                        .authKeyFile("/etc/tandem/pair.key")
                        .preempt(true)
                        .preemptDelay(n == 1 ? preemptDelayA : Duration.ZERO));
        if (n == 1) {
            failoverA.accept(config.failover());
        }
        if (withVip) {
            config.failover().vip(vip() + "/24", "eth0");
        } else {
            // A node without a VIP needs something to do as MASTER; the intruder of the wrong-key test.
            config.failover().notify("/bin/true");
        }
        return config.render();
    }

    /** Starts node {@code n} (not waiting for its role); {@code key} is the pair key it gets. */
    Node start(int n, String name, int priority, int peer, boolean withVip, byte[] key) {
        String ip = ip(n);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image()))
                .withNetwork(network)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withIpv4Address(ip).withHostName(name).withUser("root");
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.SYS_NICE);
                    if (REALTIME_BUDGET) {
                        // Lets the heartbeat thread run SCHED_RR (chrt), as a pair member should.
                        cmd.getHostConfig().withCpuRealtimeRuntime(RT_RUNTIME);
                    }
                })
                .withEnv("TANDEM_RESTART", "on-failure")
                .withEnv("TANDEM_RESTART_DELAY", "2")
                .withCopyToContainer(Transferable.of(config(n, name, priority, peer, withVip)), "/etc/tandem/tandem.yaml")
                // Root's copy: readable by the user tandem, whom the entrypoint runs Tandem as.
                .withCopyToContainer(Transferable.of(HexFormat.of().formatHex(key) + "\n", 0644), "/etc/tandem/pair.key");
        if (javaOpts != null) {
            c.withEnv("TANDEM_JAVA_OPTS", javaOpts);
        }
        c.start();
        Node node = new Node(name, ip, c);
        nodes.add(node);
        return node;
    }

    /**
     * Starts the pair as a user would, fresh: lb-a (priority 150) until it is MASTER and serving, then lb-b
     * (100); returns as soon as lb-b is BACKUP. Nothing is warmed by the test: what a node needs to take over
     * well it must do itself (the warm standby), so the events of a test reach a backup about a second old.
     */
    Node[] startPair() {
        Node a = start(1, "lb-a", 150, 2, true, key);
        Poll.until(Duration.ofSeconds(60), "lb-a MASTER and ready\n" + a.logs(),
                () -> "MASTER".equals(a.state()) && a.ready());
        Node b = start(2, "lb-b", 100, 1, true, key);
        Poll.until(Duration.ofSeconds(60), "lb-a MASTER and lb-b BACKUP\n" + a.logs() + "\n" + b.logs(),
                () -> "MASTER".equals(a.state()) && "BACKUP".equals(b.state()));
        b.startedAt = Instant.now();
        return new Node[] {a, b};
    }

    /** Every node's output and addresses, for failure messages. */
    String logsOfAll() {
        StringBuilder b = new StringBuilder();
        for (Node n : nodes) {
            b.append(n.logs());
            try {
                b.append("--- ip addr in ").append(n.name).append(" ---\n")
                        .append(n.container.execInContainer("ip", "-br", "addr").getStdout());
            } catch (Exception e) {
                b.append("(ip addr: ").append(e).append(")\n");
            }
        }
        return b.toString();
    }

    static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** One Tandem container. */
    final class Node {
        final String name;
        final String ip;
        final GenericContainer<?> container;
        /** When the test saw this node in its first role (for how old a backup was at an event). */
        Instant startedAt;

        Node(String name, String ip, GenericContainer<?> container) {
            this.name = name;
            this.ip = ip;
            this.container = container;
        }

        String id() {
            return container.getContainerId();
        }

        DockerPair pair() {
            return DockerPair.this;
        }

        /** The failover object of /status, or null while the node does not answer. */
        JsonNode failover() {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":9901/status"))
                        .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? JSON.readTree(r.body()).get("failover") : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        String state() {
            JsonNode f = failover();
            return f == null ? null : f.get("role").asText().toUpperCase(java.util.Locale.ROOT);
        }

        /** Whether /status says this node is ready to take the VIPs over (warm, live backends). */
        boolean ready() {
            JsonNode f = failover();
            return f != null && f.path("ready").asBoolean(false);
        }

        /** POST /api/v1/failover/handover: the status code and body. */
        HttpResponse<String> handover() throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":9901/api/v1/failover/handover"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** The value of one sample of /metrics, e.g. {@code tandem_failover_heartbeats_rejected_total{reason="bad-mac"}}. */
        double metric(String sample) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":9901/metrics"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).body();
                for (String line : body.split("\n")) {
                    if (line.startsWith(sample + " ")) {
                        return Double.parseDouble(line.substring(sample.length() + 1).trim());
                    }
                }
                return 0;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** Every sample of one /metrics scrape, by its series with labels, e.g. {@code x_total{a="b"}}. */
        java.util.Map<String, Double> scrape() {
            java.util.Map<String, Double> samples = new java.util.HashMap<>();
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":9901/metrics"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).body();
                for (String line : body.split("\n")) {
                    int space = line.lastIndexOf(' ');
                    if (!line.startsWith("#") && space > 0) {
                        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                    }
                }
            } catch (IOException e) {
                return samples;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return samples;
        }

        /** Whether the VIP is configured on this container's eth0 (asked with {@code ip} inside it). */
        boolean holdsVip() {
            try {
                return container.execInContainer("ip", "-o", "-4", "addr", "show").getStdout()
                        .contains(" " + vip() + "/24 ");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        String logs() {
            return "--- " + name + " ---\n" + container.getLogs();
        }

        /** When the node logged a line matching {@code regex} for the first time at or after {@code after}. */
        Instant loggedAt(String regex, Instant after) {
            Pattern p = Pattern.compile("^(\\S+Z) .*" + regex + ".*$", Pattern.MULTILINE);
            Matcher m = p.matcher(container.getLogs());
            while (m.find()) {
                Instant at = Instant.parse(m.group(1));
                if (!at.isBefore(after.minusMillis(1))) {
                    return at;
                }
            }
            return null;
        }

        void kill() {
            docker().killContainerCmd(id()).exec();
        }

        /**
         * docker pause. runc's cgroup-v1 freezer gives up ("unable to freeze") when a task of the container is
         * not frozen within about 200 ms, e.g. while processes are being started in it, and leaves it running;
         * that is the host's tool failing, not the node, so it is tried again (at most 5 times).
         */
        void pause() {
            for (int attempt = 1; ; attempt++) {
                try {
                    docker().pauseContainerCmd(id()).exec();
                    return;
                } catch (com.github.dockerjava.api.exception.InternalServerErrorException e) {
                    if (attempt == 5 || e.getMessage() == null || !e.getMessage().contains("unable to freeze")) {
                        throw e;
                    }
                    System.out.println("docker pause of " + name + " failed (" + e.getMessage().strip()
                            + "); trying again");
                }
            }
        }

        void unpause() {
            docker().unpauseContainerCmd(id()).exec();
        }

        void stopCleanly() {
            docker().stopContainerCmd(id()).withTimeout(20).exec();
        }

        void disconnect() {
            docker().disconnectFromNetworkCmd().withNetworkId(network.getId()).withContainerId(id()).exec();
        }

        void reconnect() {
            docker().connectToNetworkCmd().withNetworkId(network.getId()).withContainerId(id())
                    .withContainerNetwork(new ContainerNetwork().withIpamConfig(
                            new ContainerNetwork.Ipam().withIpv4Address(ip))).exec();
        }

        /** Kills only the Tandem JVM inside the container; its host (the container) and the VIP on it stay. */
        void killJvm() throws IOException, InterruptedException {
            var r = container.execInContainer("sh", "-c", "kill -9 $(pidof java)");
            if (r.getExitCode() != 0) {
                throw new AssertionError("kill -9 java in " + name + " failed: " + r.getStderr());
            }
        }
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
        web.forEach(StubBackend::close);
        network.close();
    }

    static void writeReport(String line) throws IOException {
        Path dir = ROOT.resolve("lb-it/target/failover");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("measurements.txt"), line + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
}
