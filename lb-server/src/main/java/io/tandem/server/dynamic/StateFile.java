package io.tandem.server.dynamic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.config.Defaults;
import io.tandem.config.HostPort;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime changes of a node that outlive it: the backends the admin API
 * added, per pool, in a JSON file beside the config ({@code tandem.yaml} ->
 * {@code tandem.state.json}).
 *
 * <p>Written atomically: the whole document goes to a temporary file in the
 * same directory, which is forced to disk and then renamed over the old one
 * (and the directory forced), so a crash leaves the old file or the new one,
 * never a torn one. Read at start; an unreadable file stops the start, since
 * starting without it would silently drop the operator's backends.
 */
public final class StateFile {

    private static final int VERSION = 1;
    private final Path path;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public StateFile(Path path) {
        this.path = path;
    }

    /** The state file of the config at {@code configFile}: same directory, extension replaced by {@code .state.json}. */
    public static Path beside(Path configFile) {
        String name = configFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return configFile.resolveSibling(base + ".state.json");
    }

    public Path path() {
        return path;
    }

    /** The API backends per pool; empty when the file does not exist. Throws with the reason when it is broken. */
    public Map<String, List<ApiBackend>> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(path + " is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || root.path("version").asInt() != VERSION) {
            throw new IOException(path + ": expected {\"version\": " + VERSION + ", \"pools\": {...}}");
        }
        Map<String, List<ApiBackend>> pools = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.path("pools").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<ApiBackend> backends = new ArrayList<>();
            int i = 0;
            for (JsonNode b : e.getValue()) {
                String where = path + ": pools." + e.getKey() + "[" + i++ + "]";
                HostPort address;
                try {
                    address = HostPort.parse(b.path("address").asText(null));
                } catch (IllegalArgumentException ex) {
                    throw new IOException(where + ".address " + ex.getMessage());
                }
                int weight = b.path("weight").asInt(Defaults.WEIGHT);
                if (weight < 0 || weight > Defaults.MAX_WEIGHT) {
                    throw new IOException(where + ".weight " + weight + " is not 0-" + Defaults.MAX_WEIGHT);
                }
                String sticky = b.hasNonNull("stickyId") ? b.get("stickyId").asText() : null;
                backends.add(new ApiBackend(address, weight, b.path("backup").asBoolean(false), sticky));
            }
            pools.put(e.getKey(), List.copyOf(backends));
        }
        return pools;
    }

    /** Replaces the file with {@code pools}, atomically (see the class comment). */
    public void write(Map<String, List<ApiBackend>> pools) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("version", VERSION);
        root.put("comment", "backends added through the admin API; written by tandem, do not edit while it runs");
        ObjectNode byPool = root.putObject("pools");
        pools.forEach((pool, backends) -> {
            if (backends.isEmpty()) {
                return;
            }
            ArrayNode list = byPool.putArray(pool);
            for (ApiBackend b : backends) {
                ObjectNode n = list.addObject();
                n.put("address", b.address().toString());
                n.put("weight", b.weight());
                n.put("backup", b.backup());
                if (b.stickyId() != null) {
                    n.put("stickyId", b.stickyId());
                }
            }
        });
        byte[] bytes = (json.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = path.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + path + " atomically: " + e.getMessage());
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        forceDirectory(dir);
    }

    /** The rename is durable once the directory is: force it where the platform allows opening one. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every file system lets a directory be opened; the rename itself is still atomic.
        }
    }
}
