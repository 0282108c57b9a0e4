package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.backends;
import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.letter;
import static io.tandem.core.strategy.TestPools.picks;
import static io.tandem.core.strategy.TestPools.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HashOn;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashStrategyTest {

    private static final HashOn USER_HEADER = new HashOn(HashOn.Source.HEADER, "X-User");

    private static Balanced pool(List<Backend> backends, HashOn on) {
        return balanced(backends, BalancingStrategy.consistentHash(on));
    }

    private static RequestContext user(String id) {
        return request(null, "X-User", id, null, null);
    }

    // The same key always lands on the same backend; the mapping is the same in a second, separately built pool.
    @Test
    void sameKeySameBackendAcrossPools() {
        Balanced one = pool(backends(1, 1, 1), USER_HEADER);
        Balanced two = pool(backends(1, 1, 1), USER_HEADER);
        for (int i = 0; i < 1000; i++) {
            RequestContext r = user("user-" + i);
            Backend b = one.pick(r);
            assertThat(letter(one.pick(r))).isEqualTo(letter(b));
            assertThat(letter(two.pick(r))).isEqualTo(letter(b));
        }
    }

    // A request without the key falls back to round-robin.
    @Test
    void missingKeyFallsBackToRoundRobin() {
        Balanced pool = pool(backends(1, 1, 1), USER_HEADER);
        assertThat(picks(pool, RequestContext.NONE, 4)).isEqualTo("a b c a");
        assertThat(picks(pool, user(""), 2)).isEqualTo("b c");
    }

    // hash-on source-ip and cookie:NAME read their keys; the same key on each source maps identically.
    @Test
    void sourceIpAndCookieKeys() {
        Balanced byIp = pool(backends(1, 1, 1), new HashOn(HashOn.Source.SOURCE_IP, null));
        Balanced byCookie = pool(backends(1, 1, 1), new HashOn(HashOn.Source.COOKIE, "sid"));
        for (int i = 0; i < 200; i++) {
            byte[] ip = {10, 0, (byte) (i >> 8), (byte) i};
            Backend b = byIp.pick(request(ip, null, null, null, null));
            assertThat(byIp.pick(request(ip, null, null, null, null))).isSameAs(b);
            Backend c = byCookie.pick(request(null, null, null, "sid", "s" + i));
            assertThat(byCookie.pick(request(null, null, null, "sid", "s" + i))).isSameAs(c);
        }
        assertThat(picks(byCookie, request(null, "sid", "x", null, null), 3)).isEqualTo("a b c");
    }

    // Each of 10 equal backends owns its share of the 65537 entries within 5%.
    @Test
    void tableIsEvenlyShared() {
        Backend[] table = ConsistentHashStrategy.table(backends(1, 1, 1, 1, 1, 1, 1, 1, 1, 1).toArray(new Backend[0]));
        Map<String, Integer> owned = new HashMap<>();
        for (Backend b : table) {
            owned.merge(letter(b), 1, Integer::sum);
        }
        assertThat(owned).hasSize(10);
        owned.values().forEach(n -> assertThat(n).isBetween(6226, 6880));
    }

    // Weights 3,1: the heavy backend owns 75% of the table within 1%.
    @Test
    void weightsShareTheTable() {
        Backend[] table = ConsistentHashStrategy.table(backends(3, 1).toArray(new Backend[0]));
        long heavy = java.util.Arrays.stream(table).filter(b -> letter(b).equals("a")).count();
        assertThat(heavy / (double) table.length).isBetween(0.74, 0.76);
    }

    /**
     * Removing one of n backends: every key of the removed backend moves (it must),
     * and of the other keys under 1% move. Measured over 100,000 keys for
     * n = 5, 10, 20: total moved stays within 1/n + 1 point, keys of the remaining backends that move stay under 1%.
     */
    @Test
    void removingOneOfNMovesAboutOneNth() {
        for (int n : new int[] {5, 10, 20}) {
            int[] weights = new int[n];
            java.util.Arrays.fill(weights, 1);
            List<Backend> bs = backends(weights);
            Balanced pool = pool(bs, USER_HEADER);
            int keys = 100_000;
            Backend[] before = new Backend[keys];
            for (int k = 0; k < keys; k++) {
                before[k] = pool.pick(user("k" + k));
            }
            Backend removed = bs.get(n / 2);
            pool.pool().setState(removed, BackendState.DOWN);
            int moved = 0;
            int movedFromOthers = 0;
            for (int k = 0; k < keys; k++) {
                Backend after = pool.pick(user("k" + k));
                assertThat(after).isNotSameAs(removed);
                if (after != before[k]) {
                    moved++;
                    if (before[k] != removed) {
                        movedFromOthers++;
                    }
                }
            }
            double movedShare = moved / (double) keys;
            double othersShare = movedFromOthers / (double) keys;
            System.out.printf("consistent-hash n=%d: removing one moved %.2f%% of keys (ideal %.2f%%),"
                    + " %.2f%% from remaining backends%n", n, 100 * movedShare, 100.0 / n, 100 * othersShare);
            assertThat(movedShare).as("n=%d", n).isBetween(1.0 / n, 1.0 / n + 0.01);
            assertThat(othersShare).as("n=%d", n).isLessThan(0.01);
        }
    }
}
