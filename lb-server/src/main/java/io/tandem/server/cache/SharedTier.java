package io.tandem.server.cache;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.config.HostPort;
import io.tandem.core.cache.EsiTemplate;
import io.tandem.core.cache.Freshness;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache's second tier in memcached, shared by the nodes of a pair: each
 * object the cache stores is also written there (one item per URL, the latest
 * variant; objects over the item size are skipped), a miss asks it before the
 * backend, and purges and bans are published there as a numbered log that
 * every node reads every {@link #POLL_MILLIS} ms and applies to its own
 * store. The client is folsom, on Tandem's worker event loops, with ketama
 * hashing over several servers. memcached being down only costs hits: every
 * failure reads as a miss, and writes are fire-and-forget.
 *
 * <p>Thread-safe: the client is; the ban log cursor is touched by the poll only.
 */
public final class SharedTier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SharedTier.class);
    static final long POLL_MILLIS = 200;
    /** memcached's default item size: larger objects are not shared. */
    static final int MAX_ITEM = 1 << 20;
    private static final int MAGIC = 0x54433031; // "TC01"

    private final String prefix;
    private final AsciiMemcacheClient<byte[]> client;
    private final EventLoopGroup loops;
    private final Consumer<String> applyBan;
    private volatile long seenBans = -1;
    private volatile boolean closed;

    /**
     * @param applyBan applies a ban record published by any node (this one too) to the local store
     */
    public SharedTier(String cache, List<HostPort> servers, EventLoopGroup loops,
                      Class<? extends Channel> channelClass, Consumer<String> applyBan) {
        this.prefix = "tandem:" + cache + ":";
        this.loops = loops;
        this.applyBan = applyBan;
        MemcacheClientBuilder<byte[]> b = MemcacheClientBuilder.newByteArrayClient()
                .withEventLoopGroup(loops).withChannelClass(channelClass)
                .withRequestTimeoutMillis(500).withMaxSetLength(MAX_ITEM);
        for (HostPort s : servers) {
            b.withAddress(s.host(), s.port());
        }
        this.client = b.connectAscii();
        loops.next().schedule(this::poll, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private String itemKey(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(key.getBytes(StandardCharsets.UTF_8));
            return prefix + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code object} (stored under {@code key} now) unless it is larger than an item. */
    void put(String key, CachedObject object, long wallNow, long nanoNow) {
        if (object.body().readableBytes() > MAX_ITEM - 8192) {
            return;
        }
        byte[] item = encode(object, wallNow, nanoNow);
        long life = object.freshness().retention(HttpCache.KEEP_NANOS) / 1_000_000_000L;
        int ttl = (int) Math.max(1, Math.min(life, 30L * 24 * 3600));
        client.set(itemKey(key), item, ttl).exceptionally(e -> null);
    }

    /** An object read from memcached, and when (wall clock) it was stored. */
    public record Loaded(CachedObject object, long storedWall) {}

    /** The object stored under {@code key}, as this node's clock sees it, or null (absent, or memcached down). */
    public CompletionStage<Loaded> get(String key, long wallNow, long nanoNow) {
        return client.get(itemKey(key)).handle((bytes, e) -> {
            if (bytes == null || e != null) {
                return null;
            }
            return decode(bytes, wallNow, nanoNow);
        });
    }

    void delete(String key) {
        client.delete(itemKey(key)).exceptionally(e -> null);
    }

    /** Publishes a ban record ({@code purge KEY}, {@code prefix P}, {@code regex R}, {@code tag T}) to every node. */
    void publish(String record) {
        String seq = prefix + "bans";
        client.incr(seq, 1).thenCompose(n -> n != null ? CompletableFuture.completedFuture(n)
                : client.add(seq, "0".getBytes(StandardCharsets.US_ASCII), 0)
                        .thenCompose(ignored -> client.incr(seq, 1)))
                .thenAccept(n -> {
                    if (n != null) {
                        client.set(prefix + "ban:" + n, record.getBytes(StandardCharsets.UTF_8), 3600)
                                .exceptionally(e -> null);
                    }
                })
                .exceptionally(e -> null);
    }

    /** Reads the ban log's new records and applies them; the first read only takes the log's position. */
    private void poll() {
        if (closed) {
            return;
        }
        client.get(prefix + "bans").thenCompose(bytes -> {
            long seq = bytes == null ? 0 : Long.parseLong(new String(bytes, StandardCharsets.US_ASCII).strip());
            long seen = seenBans;
            if (seen < 0 || seq <= seen) {
                seenBans = Math.max(seen, seq);
                return CompletableFuture.completedFuture(List.<byte[]>of());
            }
            List<String> keys = new ArrayList<>();
            for (long n = seen + 1; n <= seq && keys.size() < 1000; n++) {
                keys.add(prefix + "ban:" + n);
            }
            seenBans = seen + keys.size();
            return client.get(keys);
        }).handle((records, e) -> {
            if (records != null) {
                for (byte[] r : records) {
                    if (r != null) {
                        applyBan.accept(new String(r, StandardCharsets.UTF_8));
                    }
                }
            }
            if (!closed) {
                loops.next().schedule(this::poll, POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
            return null;
        });
    }

    /** Status, headers, lifetimes (the age as seconds since the epoch), validators, vary, tags, body. */
    static byte[] encode(CachedObject o, long wallNow, long nanoNow) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(o.body().readableBytes() + 512);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeShort(o.status());
            // When it was stored, on the wall clock: the other node's monotonic clock is another one.
            out.writeLong(wallNow - (nanoNow - o.storedAt()) / 1_000_000L);
            Freshness f = o.freshness();
            out.writeLong(f.ttl());
            out.writeLong(f.grace());
            out.writeLong(f.staleIfError());
            out.writeLong(f.initialAge());
            out.writeBoolean(f.revalidate());
            out.writeBoolean(o.esi() != null);
            strings(out, o.varyNames());
            strings(out, o.varyValues());
            strings(out, o.tags());
            List<String> headers = new ArrayList<>();
            for (Map.Entry<String, String> e : o.headers()) {
                headers.add(e.getKey());
                headers.add(e.getValue());
            }
            strings(out, headers);
            ByteBuf body = o.body();
            out.writeInt(body.readableBytes());
            byte[] b = new byte[body.readableBytes()];
            body.getBytes(body.readerIndex(), b);
            out.write(b);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The object of an item, stored now on this node's clock with the age it had; null when not ours. */
    static Loaded decode(byte[] item, long wallNow, long nanoNow) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(item));
            if (in.readInt() != MAGIC) {
                return null;
            }
            int status = in.readShort();
            long storedWall = in.readLong();
            long ttl = in.readLong();
            long grace = in.readLong();
            long staleIfError = in.readLong();
            long initialAge = in.readLong();
            boolean revalidate = in.readBoolean();
            boolean esi = in.readBoolean();
            List<String> varyNames = strings(in);
            List<String> varyValues = strings(in);
            List<String> tags = strings(in);
            List<String> h = strings(in);
            HttpHeaders headers = new DefaultHttpHeaders(false);
            for (int i = 0; i + 1 < h.size(); i += 2) {
                headers.add(h.get(i), h.get(i + 1));
            }
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            long agedSeconds = Math.max(0, wallNow - storedWall) / 1000;
            Freshness f = new Freshness(ttl, grace, staleIfError, initialAge + agedSeconds, revalidate);
            ByteBuf body = io.tandem.server.Buffers.ALLOCATOR.directBuffer(b.length).writeBytes(b);
            EsiTemplate template = esi ? EsiTemplate.parse(new String(b, StandardCharsets.ISO_8859_1)) : null;
            return new Loaded(new CachedObject(status, headers, ObjectHeads.head(status, headers),
                    ObjectHeads.notModifiedHead(headers), body, f, nanoNow, headers.get("etag"),
                    headers.get("last-modified"), varyNames, varyValues, tags, template), storedWall);
        } catch (IOException | RuntimeException e) {
            log.debug("unreadable shared cache item: {}", e.toString());
            return null;
        }
    }

    private static void strings(DataOutputStream out, List<String> values) throws IOException {
        out.writeShort(values.size());
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static List<String> strings(DataInputStream in) throws IOException {
        int n = in.readShort();
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            values.add(new String(b, StandardCharsets.UTF_8));
        }
        return values;
    }

    @Override
    public void close() {
        closed = true;
        client.shutdown();
    }
}
