package io.tandem.server.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What the store keeps under one URL: the stored responses for it, one per
 * combination of the request headers they vary on (RFC 9111 section 4.1).
 * Immutable: storing a variant makes a new one (copy on write, inside the
 * store's atomic compute), which takes its own reference on each object it
 * keeps; the store releases the old one when it drops it.
 */
final class Variants {

    /** At most this many variants per URL; a new one replaces the oldest. */
    static final int MAX = 8;

    private final CachedObject[] objects;

    private Variants(CachedObject[] objects) {
        this.objects = objects;
    }

    static Variants of(CachedObject object) {
        return new Variants(new CachedObject[] {object});
    }

    /** The variant {@code header} (request header values by lowercase name) selects, or null. */
    CachedObject match(Function<String, String> header) {
        for (CachedObject o : objects) {
            if (matches(o, header)) {
                return o;
            }
        }
        return null;
    }

    private static boolean matches(CachedObject o, Function<String, String> header) {
        List<String> names = o.varyNames();
        for (int i = 0; i < names.size(); i++) {
            if (!io.tandem.core.cache.Vary.normalize(header.apply(names.get(i))).equals(o.varyValues().get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * These variants with {@code object} in place of the one with the same
     * vary values (or added, the oldest dropped beyond {@link #MAX}); the
     * kept objects are retained for the new holder. {@code object}'s own
     * reference passes to the result.
     */
    Variants with(CachedObject object) {
        List<CachedObject> kept = new ArrayList<>(objects.length + 1);
        kept.add(object);
        for (CachedObject o : objects) {
            boolean same = o.varyNames().equals(object.varyNames()) && o.varyValues().equals(object.varyValues());
            if (!same && kept.size() < MAX && o.tryRetain()) {
                kept.add(o);
            }
        }
        return new Variants(kept.toArray(new CachedObject[0]));
    }

    /** These variants without those {@code drop} selects, retained for the new holder; null when none is left. */
    Variants without(java.util.function.Predicate<CachedObject> drop) {
        List<CachedObject> kept = new ArrayList<>(objects.length);
        for (CachedObject o : objects) {
            if (!drop.test(o) && o.tryRetain()) {
                kept.add(o);
            }
        }
        return kept.isEmpty() ? null : new Variants(kept.toArray(new CachedObject[0]));
    }

    boolean any(java.util.function.Predicate<CachedObject> test) {
        for (CachedObject o : objects) {
            if (test.test(o)) {
                return true;
            }
        }
        return false;
    }

    long weight() {
        long w = 64;
        for (CachedObject o : objects) {
            w += o.weight();
        }
        return w;
    }

    /** How long the store keeps these, from now: the longest remaining life of a variant. */
    long retention(long now, long keep) {
        long longest = 0;
        for (CachedObject o : objects) {
            longest = Math.max(longest, o.storedAt() + o.freshness().retention(keep) - now);
        }
        return Math.max(0, longest);
    }

    /** The store let go of these: each object loses this holder's reference. */
    void release() {
        for (CachedObject o : objects) {
            o.release();
        }
    }

    int size() {
        return objects.length;
    }
}
