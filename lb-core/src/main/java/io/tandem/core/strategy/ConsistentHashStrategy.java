package io.tandem.core.strategy;

import io.tandem.config.HashOn;
import io.tandem.core.hash.KeyHash;
import io.tandem.core.pool.Backend;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consistent hashing with a Maglev lookup table (Eisenbud et al., "Maglev: A
 * Fast and Reliable Software Network Load Balancer", NSDI 2016, section 3.4).
 * The key (client IP, a header, or a cookie, per {@code hash-on}) is hashed
 * to one of {@link #TABLE_SIZE} entries, each naming a backend. Requests
 * without the key go round-robin.
 *
 * <p>The table is filled by letting the backends take turns, each claiming
 * the next free entry of its own permutation of the table
 * ({@code offset + j*skip mod M}, offset and skip derived from the backend's
 * name, M prime so every skip visits every entry). Each backend thus owns
 * about M/n entries, and because a backend's permutation does not depend on
 * the others, removing one of n backends moves its own ~1/n of the keys and
 * only few others (ConsistentHashStrategyTest measures it). A lookup is one
 * hash and one array read, O(1), where a hash ring needs a binary search.
 *
 * <p>Weights: in round r a backend of weight w takes a turn only when
 * {@code floor(r*w/max)} grows, so it owns a share proportional to w. The
 * operator's weight is used, not the slow-start weight: a ramp would move
 * keys on every step, and keeping a key on its backend is the point here.
 *
 * <p>Backends are hashed by their configured address and take their turns in
 * the order of it, so every node (both of a pair, N behind ECMP) and a restarted
 * node map keys the same way whatever order they list the backends in. Building the
 * table costs about M·ln(M) probes (~1 ms) per membership change.
 */
final class ConsistentHashStrategy implements BalancingStrategy {

    /** Maglev's table size: a prime well above 100 × the largest expected pool. */
    static final int TABLE_SIZE = 65537;

    private static final long OFFSET_SEED = 0x6d61676c65762d6fL;
    private static final long SKIP_SEED = 0x6d61676c65762d73L;

    private final HashOn hashOn;

    ConsistentHashStrategy(HashOn hashOn) {
        this.hashOn = hashOn;
    }

    @Override
    public Picker newPicker(List<Backend> live, Picker previous) {
        AtomicInteger sequence = previous instanceof MaglevPicker
                ? ((MaglevPicker) previous).sequence : new AtomicInteger();
        Backend[] backends = live.toArray(new Backend[0]);
        Backend[] table = backends.length == 0 ? new Backend[0] : table(backends);
        return new MaglevPicker(hashOn.source(), hashOn.name(), backends, table, sequence);
    }

    /**
     * Maglev's population: backends take turns claiming their next preferred free entry. The turns go in
     * the order of the backends' ids, not the order they are listed in: when two want the same free entry
     * the first takes it, so another order (a node whose config lists them otherwise, backends added at
     * runtime in another order) would give a slightly different table, and N active nodes behind ECMP
     * would send a few keys to different backends (7 of 65537 entries for 4 backends, reversed).
     */
    static Backend[] table(Backend[] listed) {
        Backend[] backends = listed.clone();
        java.util.Arrays.sort(backends, java.util.Comparator.comparing(Backend::id));
        int n = backends.length;
        long m = TABLE_SIZE;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        int[] weight = new int[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            String name = backends[i].id();
            offset[i] = Long.remainderUnsigned(KeyHash.of(name, OFFSET_SEED), m);
            skip[i] = Long.remainderUnsigned(KeyHash.of(name, SKIP_SEED), m - 1) + 1;
            weight[i] = Math.max(1, backends[i].weight());
            maxWeight = Math.max(maxWeight, weight[i]);
        }
        Backend[] table = new Backend[TABLE_SIZE];
        int filled = 0;
        for (long round = 1; ; round++) {
            for (int i = 0; i < n; i++) {
                if (round * weight[i] / maxWeight == (round - 1) * weight[i] / maxWeight) {
                    continue;
                }
                int c = (int) ((offset[i] + next[i] * skip[i]) % m);
                while (table[c] != null) {
                    next[i]++;
                    c = (int) ((offset[i] + next[i] * skip[i]) % m);
                }
                table[c] = backends[i];
                next[i]++;
                if (++filled == TABLE_SIZE) {
                    return table;
                }
            }
        }
    }

    private static final class MaglevPicker implements Picker {
        private final HashOn.Source source;
        private final String keyName;
        private final Backend[] backends;
        private final Backend[] table;
        private final AtomicInteger sequence;

        MaglevPicker(HashOn.Source source, String keyName, Backend[] backends, Backend[] table,
                     AtomicInteger sequence) {
            this.source = source;
            this.keyName = keyName;
            this.backends = backends;
            this.table = table;
            this.sequence = sequence;
        }

        @Override
        public Backend pick(RequestContext request) {
            int n = backends.length;
            if (n <= 1) {
                return n == 0 ? null : backends[0];
            }
            long hash;
            if (source == HashOn.Source.SOURCE_IP) {
                byte[] address = request.sourceAddress();
                if (address == null) {
                    return fallback();
                }
                hash = KeyHash.of(address);
            } else {
                CharSequence key = source == HashOn.Source.HEADER
                        ? request.header(keyName) : request.cookie(keyName);
                if (key == null || key.length() == 0) {
                    return fallback();
                }
                hash = KeyHash.of(key);
            }
            return table[(int) Long.remainderUnsigned(hash, TABLE_SIZE)];
        }

        private Backend fallback() {
            return backends[(sequence.getAndIncrement() & Integer.MAX_VALUE) % backends.length];
        }
    }
}
