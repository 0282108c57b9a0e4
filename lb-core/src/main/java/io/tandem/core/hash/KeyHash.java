package io.tandem.core.hash;

/**
 * A 64-bit hash of request keys and backend names that is the same in every
 * JVM, on every node and across restarts (unlike identity or seeded hashes),
 * so two Tandem nodes of a failover pair send a key to the same backend.
 *
 * <p>FNV-1a over the input, then the MurmurHash3 64-bit finalizer: FNV alone
 * mixes the last bytes poorly, the finalizer spreads every input bit over
 * the whole word. Allocation-free; stateless.
 *
 * <p>Its own package because both sides use it: a backend's sticky-session id
 * ({@code core.pool}) and the consistent-hash strategy ({@code core.strategy}),
 * and neither of those may depend on the other's direction.
 */
public final class KeyHash {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHash() {}

    /** Hash of a byte array (an IP address). */
    public static long of(byte[] bytes) {
        long h = FNV_OFFSET;
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** Hash of the UTF-16 code units of a text (a header or cookie value, a backend name). */
    public static long of(CharSequence text) {
        long h = FNV_OFFSET;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** Hash of a text with a seed, for the independent hash functions Maglev needs. */
    public static long of(CharSequence text, long seed) {
        return mix(of(text) ^ mix(seed));
    }

    /** MurmurHash3's fmix64. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
