package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.ConfigLoader;
import io.tandem.config.TandemConfig;
import io.tandem.server.failover.FailoverNode;
import io.tandem.server.metrics.ProxyMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A standalone node's answers to what the admin API asks of its part among others. */
class MembershipTest {

    private static final String BASE = String.join("\n",
            "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
            "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }",
            "");

    // Without a failover section: standalone, no warm standby, no announce, no sync, and a refused handover.
    @Test
    void standaloneAnswers() throws Exception {
        TandemConfig config = ConfigLoader.parse(BASE, "t.yaml");
        Membership m = new Membership(new Membership.Node(new ProxyMetrics(false), 1, () -> config, Map::of,
                (l, r, g, t) -> null, name -> null, () -> null, () -> false, () -> { }));
        m.start(config, null, Runnable::run);
        assertThat(m.status()).isEqualTo(FailoverStatus.STANDALONE);
        assertThat(m.isMaster()).isFalse();
        assertThat(m.warmStandby()).isNull();
        assertThat(m.announceStatus()).isNull();
        assertThat(m.announceNode(true)).isNull();
        assertThat(m.stateSync()).isNull();
        assertThat(m.handover().join()).isEqualTo(
                new FailoverNode.Handover(false, "this node has no failover section", 0));
        assertThat(m.reload(config, config, Map.of(), false)).isFalse();
        m.stop();
        m.close();
    }

    // Adding a failover section, or switching to announce, is refused for a restart; the same file is not.
    @Test
    void sectionChangesNeedARestart() throws Exception {
        TandemConfig standalone = ConfigLoader.parse(BASE, "t.yaml");
        TandemConfig announcing = ConfigLoader.parse(BASE + String.join("\n",
                "failover: { mode: announce, node: lb-1 }",
                "announce: { vips: [10.0.0.100/32], daemon: { type: gobgp } }",
                ""), "t.yaml");
        assertThat(Membership.changeNeedingRestart(standalone, standalone)).isNull();
        assertThat(Membership.changeNeedingRestart(standalone, announcing))
                .startsWith("failover.mode: changing between announce and pair (or a single node) needs a restart");
        assertThat(Membership.changeNeedingRestart(announcing, announcing)).isNull();
    }
}
