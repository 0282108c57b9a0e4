package io.tandem.core.limit;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The per-client limits of one route: a request rate per client address over
 * a sliding window, and a cap on a client's requests in flight.
 *
 * <p>The rate is the sliding window counter of Cloudflare's and nginx's
 * limiters: counts are kept per fixed window ({@code window} long, aligned to
 * the clock), and a request at time {@code t} into the current window sees
 * {@code previous * (window - t) / window + current} requests, which slides
 * smoothly where fixed windows would allow twice the rate across a boundary.
 * Refused requests are not counted.
 *
 * <p>Clients are kept in a bounded table that forgets the least recently seen
 * client when full: {@link #STRIPES} independently locked LRU maps, a client's
 * stripe chosen by its address hash, so event loops rarely wait for each other
 * and each lock is held for a map lookup and a few counter updates. Time comes
 * from an injected nanosecond clock (tests pin it). Safe from any thread.
 *
 * <p>A reload makes a route's limiter again; made over the one before it (the
 * same window and table size), it shares that one's table, so clients keep
 * their counts and requests in flight across the reload and only the limits
 * change, as nginx keeps a {@code limit_req} zone's state across a reload.
 */
public final class ClientLimiter {

    /** Lock stripes of the table; a power of two. */
    static final int STRIPES = 16;

    /** Why {@link #admit} refused a request, or that it did not. */
    public enum Verdict { ADMITTED, RATE, CONNECTIONS }

    private final int rate;
    private final long windowNanos;
    private final int connections;
    private final int capacity;
    private final LongSupplier nanoClock;
    private final Stripe[] stripes;
    private final LongAdder evictions;

    /**
     * @param rate        requests per window per client; 0 for no rate limit
     * @param windowNanos the rate's window (1 s for {@code 100/s})
     * @param connections requests in flight per client; 0 for no cap
     * @param capacity    clients remembered in all; the least recently seen are forgotten beyond
     * @param nanoClock   monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    public ClientLimiter(int rate, long windowNanos, int connections, int capacity, LongSupplier nanoClock) {
        this(rate, windowNanos, connections, capacity, nanoClock, null);
    }

    /**
     * As the constructor above, over the table of {@code before} (the limiter this one replaces, or null)
     * when that one has the same window and capacity: its clients keep their counts and requests in
     * flight. Otherwise the table starts empty.
     */
    public ClientLimiter(int rate, long windowNanos, int connections, int capacity, LongSupplier nanoClock,
                         ClientLimiter before) {
        this.rate = rate;
        this.windowNanos = windowNanos;
        this.connections = connections;
        this.capacity = capacity;
        this.nanoClock = nanoClock;
        if (before != null && before.windowNanos == windowNanos && before.capacity == capacity) {
            this.stripes = before.stripes;
            this.evictions = before.evictions;
        } else {
            this.stripes = new Stripe[STRIPES];
            this.evictions = new LongAdder();
            int perStripe = Math.max(1, capacity / STRIPES);
            for (int i = 0; i < STRIPES; i++) {
                stripes[i] = new Stripe(perStripe, evictions);
            }
        }
    }

    /** Whether this limiter counts in the table of {@code other} (one was made over the other). */
    public boolean sharesCountsWith(ClientLimiter other) {
        return other != null && other.stripes == stripes;
    }

    /** One client's counters; kept in the table until forgotten, held by its requests in flight. */
    public static final class Client {
        private final Stripe stripe;
        private long window = Long.MIN_VALUE;
        private int current;
        private int previous;
        private final AtomicInteger inFlight = new AtomicInteger();

        private Client(Stripe stripe) {
            this.stripe = stripe;
        }

        /** A request of this client ended: it no longer counts against {@code connections}. */
        public void release() {
            inFlight.decrementAndGet();
        }

        /** Requests of this client in flight. */
        public int inFlight() {
            return inFlight.get();
        }
    }

    /** Whether an admitted request takes a slot of its client's in-flight cap (to give back). */
    public boolean capsInFlight() {
        return connections > 0;
    }

    /** The client with {@code address} (4 or 16 bytes), made when new; it becomes the most recently seen. */
    public Client client(byte[] address) {
        Key key = new Key(address);
        return stripes[key.hash & (STRIPES - 1)].touch(key);
    }

    /**
     * Decides on one request of {@code client}: counts it and, with a connection
     * cap, takes one of its slots (give it back with {@link Client#release()}), or
     * refuses it and changes nothing.
     */
    public Verdict admit(Client client) {
        synchronized (client.stripe) {
            if (connections > 0 && client.inFlight.get() >= connections) {
                return Verdict.CONNECTIONS;
            }
            if (rate > 0) {
                long now = nanoClock.getAsLong();
                roll(client, now);
                if (estimate(client, now) + 1 > rate) {
                    return Verdict.RATE;
                }
                client.current++;
            }
            if (connections > 0) {
                client.inFlight.incrementAndGet();
            }
            return Verdict.ADMITTED;
        }
    }

    /**
     * How long until {@code client}'s next request would pass the rate, in
     * nanoseconds (0 when it would now); for {@code Retry-After}.
     */
    public long retryAfterNanos(Client client) {
        synchronized (client.stripe) {
            long now = nanoClock.getAsLong();
            roll(client, now);
            long into = now - client.window * windowNanos;
            long left = windowNanos - into;
            if (client.current + 1 > rate) {
                // Not before the next window, and then until the current count has slid far enough out:
                // current * (window - x) / window + 1 <= rate  <=>  x >= window * (1 - (rate - 1) / current).
                return left + ceil(windowNanos * (client.current - (rate - 1)), client.current);
            }
            if (client.previous == 0) {
                return 0;
            }
            // previous * (window - x) / window <= rate - current - 1  <=>  x >= window * (1 - room / previous).
            long room = rate - client.current - 1;
            long x = ceil(windowNanos * (client.previous - room), client.previous);
            return Math.max(0, x - into);
        }
    }

    /** Clients currently remembered. */
    public int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    /** Clients forgotten because the table was full. */
    public long evictions() {
        return evictions.sum();
    }

    /** Moves {@code client}'s counts to the window {@code now} is in. */
    private void roll(Client client, long now) {
        long w = Math.floorDiv(now, windowNanos);
        if (w == client.window) {
            return;
        }
        client.previous = w == client.window + 1 ? client.current : 0;
        client.current = 0;
        client.window = w;
    }

    /** The requests the sliding window sees at {@code now}. */
    private long estimate(Client client, long now) {
        long into = now - client.window * windowNanos;
        // Rounded up: a request is never let through on a fraction.
        return client.current + (long) Math.ceil((double) client.previous * (windowNanos - into) / windowNanos);
    }

    private static long ceil(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** A client address as a map key. */
    private static final class Key {
        private final byte[] address;
        private final int hash;

        Key(byte[] address) {
            this.address = address;
            int h = Arrays.hashCode(address);
            this.hash = h ^ (h >>> 16);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(((Key) o).address, address);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** One lock's share of the table: an LRU map in access order. */
    private static final class Stripe extends LinkedHashMap<Key, Client> {

        private static final long serialVersionUID = 1L;

        private final int capacity;
        private final transient LongAdder evictions;

        Stripe(int capacity, LongAdder evictions) {
            super(16, 0.75f, true);
            this.capacity = capacity;
            this.evictions = evictions;
        }

        synchronized Client touch(Key key) {
            Client c = get(key);
            if (c == null) {
                c = new Client(this);
                put(key, c);
            }
            return c;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Client> eldest) {
            if (size() > capacity) {
                evictions.increment();
                return true;
            }
            return false;
        }
    }
}
