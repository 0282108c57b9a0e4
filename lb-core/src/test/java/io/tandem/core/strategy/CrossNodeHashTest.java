package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.balanced;
import static io.tandem.core.strategy.TestPools.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HashOn;
import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendPool;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * N active nodes behind ECMP: when the router moves a client to another node, that node must pick the same
 * backend for the same key. Every node builds its own pools from the same config, in its own JVM, possibly
 * restarted, possibly with its backends in another order (a config management tool that sorts, backends
 * added at runtime in another order): the picks must not depend on any of that.
 */
class CrossNodeHashTest {

    private static final HashOn USER = new HashOn(HashOn.Source.HEADER, "X-User");

    private static List<Backend> web(String... addresses) {
        List<Backend> out = new ArrayList<>();
        for (String a : addresses) {
            out.add(new Backend(HostPort.parse(a), 1, false));
        }
        return out;
    }

    private static Balanced node(List<Backend> backends) {
        return balanced(backends, BalancingStrategy.consistentHash(USER));
    }

    private static RequestContext user(String id) {
        return request(null, "X-User", id, null, null);
    }

    // Three nodes with the backends in three orders send each of 5000 keys to the same backend address.
    @Test
    void backendOrderDoesNotChangeThePick() {
        List<String> addresses = List.of("10.0.0.11:80", "10.0.0.12:80", "10.0.0.13:80", "10.0.0.14:80");
        List<String> reversed = new ArrayList<>(addresses);
        Collections.reverse(reversed);
        List<String> rotated = new ArrayList<>(addresses);
        Collections.rotate(rotated, 2);
        Balanced a = node(web(addresses.toArray(new String[0])));
        Balanced b = node(web(reversed.toArray(new String[0])));
        Balanced c = node(web(rotated.toArray(new String[0])));
        Backend[] listed = web(addresses.toArray(new String[0])).toArray(new Backend[0]);
        Backend[] other = web(reversed.toArray(new String[0])).toArray(new Backend[0]);
        Backend[] one = ConsistentHashStrategy.table(listed);
        Backend[] two = ConsistentHashStrategy.table(other);
        int differ = 0;
        for (int e = 0; e < one.length; e++) {
            differ += one[e].address().equals(two[e].address()) ? 0 : 1;
        }
        // Before the turns went by id, 7 of the 65537 entries differed here.
        assertThat(differ).isZero();
        for (int i = 0; i < 5000; i++) {
            RequestContext r = user("user-" + i);
            HostPort picked = a.pick(r).address();
            assertThat(b.pick(r).address()).as("user-%d", i).isEqualTo(picked);
            assertThat(c.pick(r).address()).as("user-%d", i).isEqualTo(picked);
        }
    }

    // The mapping is fixed by the addresses alone: these keys went to these backends in every JVM so far,
    // so a restarted node (or one on another host) picks as its peers do; a per-process hash seed fails this.
    @Test
    void picksAreTheSameInEveryProcess() {
        Balanced n = node(web("10.0.0.11:80", "10.0.0.12:80", "10.0.0.13:80"));
        Map<String, String> picks = new LinkedHashMap<>();
        for (String key : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            picks.put(key, n.pick(user(key)).address().toString());
        }
        assertThat(picks).containsExactlyEntriesOf(GOLDEN);
        byte[] client = {(byte) 192, (byte) 168, 7, 42};
        Balanced byIp = balanced(web("10.0.0.11:80", "10.0.0.12:80", "10.0.0.13:80"),
                BalancingStrategy.consistentHash(new HashOn(HashOn.Source.SOURCE_IP, null)));
        assertThat(byIp.pick(request(client, null, null, null, null)).address().toString())
                .isEqualTo(GOLDEN_SOURCE_IP);
    }

    // A sticky cookie written by one node names the same backend on every other node and after a restart.
    @Test
    void stickyCookieNamesTheSameBackendEverywhere() {
        BackendPool one = new BackendPool("web", web("10.0.0.11:80", "10.0.0.12:80", "10.0.0.13:80"));
        BackendPool two = new BackendPool("web", web("10.0.0.13:80", "10.0.0.11:80", "10.0.0.12:80"));
        for (Backend b : one.backends()) {
            assertThat(two.stickyBackend(b.stickyId()).address()).isEqualTo(b.address());
        }
        assertThat(one.backends().get(0).stickyId()).isEqualTo(GOLDEN_STICKY_ID);
    }

    private static final Map<String, String> GOLDEN = new LinkedHashMap<>();
    private static final String GOLDEN_SOURCE_IP = "10.0.0.11:80";
    private static final String GOLDEN_STICKY_ID = "7792e9e2930d34de";

    static {
        GOLDEN.put("alice", "10.0.0.13:80");
        GOLDEN.put("bob", "10.0.0.11:80");
        GOLDEN.put("carol", "10.0.0.11:80");
        GOLDEN.put("dave", "10.0.0.13:80");
        GOLDEN.put("erin", "10.0.0.11:80");
        GOLDEN.put("frank", "10.0.0.12:80");
    }
}
