package io.tandem.server.announce;

import io.tandem.config.AnnounceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * BIRD 2: Tandem owns an include file ({@code announce.daemon.include}) holding two static protocols,
 * {@code tandem_vips} (IPv4) and {@code tandem_vips6} (IPv6), with a blackhole route per announced VIP, and
 * applies it with {@code birdc -s SOCKET configure}. bird.conf includes the file and exports those protocols
 * to its BGP peers (docs/scale-out.md); BIRD sends its own address as the next hop. The routes carry origin
 * IGP, set explicitly (BIRD 2.0.12's default for a static route too), as FRR's network statements and the
 * GoBGP driver's routes do (routers multipath only over equal origins), and the configured communities.
 * Both protocols are always written, empty when nothing is announced, so bird.conf's filters that name them
 * stay valid. The file is replaced atomically (a temporary file in its directory, then a rename), so BIRD never reads
 * half of it. A BIRD restarted while Tandem runs reads the file as Tandem last wrote it.
 */
final class BirdDaemon implements RouteDaemon {

    static final String PROTOCOL = "tandem_vips";
    static final String PROTOCOL6 = "tandem_vips6";

    private final AnnounceConfig config;
    private final Path include;
    /** The VIPs in the file; announce and withdraw run on the announce thread only. */
    private final Set<String> announced = new TreeSet<>();
    /** The text BIRD last accepted; a call that changes nothing runs no {@code birdc configure}. */
    private String applied;

    BirdDaemon(AnnounceConfig config) {
        this.config = config;
        this.include = Path.of(config.daemon().include());
    }

    @Override
    public void announce(String vip) throws IOException {
        announced.add(vip);
        apply();
    }

    @Override
    public void withdraw(String vip) throws IOException {
        announced.remove(vip);
        apply();
    }

    /** Writes the include file for the current VIPs and has BIRD read it, unless BIRD has it already. */
    private void apply() throws IOException {
        String text = render(announced);
        if (text.equals(applied) && text.equals(current())) {
            return;
        }
        applied = null;
        write(text);
        String reply = DaemonCommand.run(configureCommand());
        // birdc exits 1 on a refused config; the reply names the outcome either way.
        if (!reply.contains("Reconfigured") && !reply.contains("Reconfiguration in progress")
                && !reply.contains("queueing new config")) {
            throw new IOException(String.join(" ", configureCommand()) + ": " + reply.replace('\n', ' '));
        }
        applied = text;
    }

    /** The include file's text announcing {@code vips}. */
    String render(Set<String> vips) {
        StringBuilder out = new StringBuilder("# Written by Tandem (announce.daemon type: bird); do not edit: "
                + "Tandem rewrites it at each announce and withdraw.\n");
        protocol(out, PROTOCOL, "ipv4", vips.stream().filter(v -> !RouteDaemon.ipv6(v)).toList());
        protocol(out, PROTOCOL6, "ipv6", vips.stream().filter(RouteDaemon::ipv6).toList());
        return out.toString();
    }

    private void protocol(StringBuilder out, String name, String channel, List<String> routes) {
        out.append("protocol static ").append(name).append(" {\n");
        out.append("  ").append(channel).append(" {\n");
        out.append("    import filter {\n");
        out.append("      bgp_origin = ORIGIN_IGP;\n");
        for (String c : config.communities()) {
            out.append("      bgp_community.add((").append(c.replace(':', ',')).append("));\n");
        }
        out.append("      accept;\n");
        out.append("    };\n");
        out.append("  };\n");
        for (String vip : routes) {
            out.append("  route ").append(vip).append(" blackhole;\n");
        }
        out.append("}\n");
    }

    /** The {@code birdc} command line that has BIRD read its config (with the include file) again. */
    List<String> configureCommand() {
        return List.of(config.daemon().command(), "-s", config.daemon().socket(), "configure");
    }

    private String current() {
        try {
            return Files.readString(include, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private void write(String text) throws IOException {
        Path dir = include.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + include.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            tmp.toFile().setReadable(true, false);
            try {
                Files.move(tmp, include, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, include, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String describe() {
        return "bird at " + config.daemon().socket() + " (include " + config.daemon().include() + ")";
    }
}
