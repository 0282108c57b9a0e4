package io.tandem.core.strategy;

import static io.tandem.core.strategy.TestPools.balanced;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.core.pool.BackendState;
import io.tandem.core.strategy.TestPools.Balanced;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinStrategyTest {

    private static Backend backend(int port) {
        return new Backend(new HostPort("127.0.0.1", port), 1, false);
    }

    private static List<String> picks(Balanced pool, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pool.pick(RequestContext.NONE).id());
        }
        return out;
    }

    // Round-robin visits the snapshot's backends in config order, again and again.
    @Test
    void picksInExactOrder() {
        Balanced pool = balanced(List.of(backend(1), backend(2), backend(3)),
                BalancingStrategy.roundRobin());
        assertThat(picks(pool, 7)).containsExactly("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3",
                "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:1");
    }

    // A backend taken down leaves the rotation at once; the others keep alternating.
    @Test
    void downBackendLeavesRotation() {
        Backend a = backend(1);
        Backend b = backend(2);
        Backend c = backend(3);
        Balanced pool = balanced(List.of(a, b, c), BalancingStrategy.roundRobin());
        pool.pool().setState(b, BackendState.DOWN);
        assertThat(picks(pool, 4)).containsExactly("127.0.0.1:1", "127.0.0.1:3", "127.0.0.1:1", "127.0.0.1:3");
    }

    // Backups take traffic only while no primary is up; nothing up picks null.
    @Test
    void backupOnlyWhenNoPrimaryIsUp() {
        Backend primary = backend(1);
        Backend backup = new Backend(new HostPort("127.0.0.1", 9), 1, true);
        Balanced pool = balanced(List.of(primary, backup), BalancingStrategy.roundRobin());
        assertThat(picks(pool, 2)).containsExactly("127.0.0.1:1", "127.0.0.1:1");
        pool.pool().setState(primary, BackendState.DOWN);
        assertThat(picks(pool, 2)).containsExactly("127.0.0.1:9", "127.0.0.1:9");
        pool.pool().setState(backup, BackendState.DOWN);
        assertThat(pool.pick(RequestContext.NONE)).isNull();
    }
}
