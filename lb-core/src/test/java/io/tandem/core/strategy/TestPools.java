package io.tandem.core.strategy;

import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Backends named a, b, c... (their ids are 127.0.0.1:1, :2...) and pick helpers for strategy tests. */
final class TestPools {

    private TestPools() {}

    /** A pool and a balancer over it, paired as the server pairs them. */
    record Balanced(BackendPool pool, Balancer balancer) {

        Backend pick(RequestContext request) {
            return balancer.pick(request);
        }
    }

    /** A pool named web over the backends, balanced by the strategy. */
    static Balanced balanced(List<Backend> backends, BalancingStrategy strategy) {
        BackendPool pool = new BackendPool("web", backends);
        return new Balanced(pool, Balancer.over(pool, strategy));
    }

    static Backend backend(int port, int weight) {
        return new Backend(new HostPort("127.0.0.1", port), weight, false);
    }

    /** Backends on ports 1..n with the given weights. */
    static List<Backend> backends(int... weights) {
        List<Backend> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            out.add(backend(i + 1, weights[i]));
        }
        return out;
    }

    /** The letter of a test backend: port 1 is a, port 2 is b... */
    static String letter(Backend b) {
        return b == null ? "-" : String.valueOf((char) ('a' + b.address().port() - 1));
    }

    static String picks(Balanced pool, int n) {
        return picks(pool, RequestContext.NONE, n);
    }

    static String picks(Balanced pool, RequestContext request, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(letter(pool.pick(request)));
        }
        return out.toString();
    }

    /** How many of n picks went to each backend letter. */
    static Map<String, Integer> counts(Balanced pool, int n) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(letter(pool.pick(RequestContext.NONE)), 1, Integer::sum);
        }
        return counts;
    }

    /** Reproducible randomness for single-threaded tests. */
    static RandomSource seeded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return r::nextInt;
    }

    /** Randomness that returns the given values in turn (each taken modulo the bound). */
    static RandomSource scripted(int... values) {
        int[] next = {0};
        return bound -> values[next[0]++ % values.length] % bound;
    }

    /** A request context with one header, one cookie and a source address. */
    static RequestContext request(byte[] source, String header, String headerValue, String cookie,
                                  String cookieValue) {
        return new RequestContext() {
            @Override
            public byte[] sourceAddress() {
                return source;
            }

            @Override
            public CharSequence header(CharSequence name) {
                return header != null && header.contentEquals(name) ? headerValue : null;
            }

            @Override
            public CharSequence cookie(CharSequence name) {
                return cookie != null && cookie.contentEquals(name) ? cookieValue : null;
            }
        };
    }
}
