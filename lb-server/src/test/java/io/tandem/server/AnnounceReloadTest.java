package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.ConfigLoader;
import io.tandem.config.TandemConfig;
import org.junit.jupiter.api.Test;

/** What a reload may change on an announcing node in place, and what it refuses (the old config stays). */
class AnnounceReloadTest {

    private static final String BASE = String.join("\n",
            "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
            "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }",
            "");

    private static TandemConfig announcing(String node, String vip, int warmUp) throws Exception {
        return ConfigLoader.parse(BASE + String.join("\n",
                "failover: { mode: announce, node: " + node + ", warm-up: { requests: " + warmUp + " } }",
                "announce: { vips: [" + vip + "], daemon: { type: gobgp } }",
                ""), "t.yaml");
    }

    // The warm-up changes in place; the same file again changes nothing.
    @Test
    void warmUpChangesInPlace() throws Exception {
        TandemConfig before = announcing("lb-1", "10.0.0.100/32", 500);
        assertThat(AnnounceMember.changeNeedingRestart(before, announcing("lb-1", "10.0.0.100/32", 50))).isNull();
        assertThat(AnnounceMember.changeNeedingRestart(before, before)).isNull();
    }

    // Another VIP, another node name, or another mode needs a restart; the reload is refused with the reason.
    @Test
    void vipsNodeAndModeNeedARestart() throws Exception {
        TandemConfig before = announcing("lb-1", "10.0.0.100/32", 500);
        assertThat(AnnounceMember.changeNeedingRestart(before, announcing("lb-1", "10.0.0.101/32", 500)))
                .isEqualTo("announce: changed, which needs a restart; restart this node for it (withdrawn first; "
                        + "the other nodes serve meanwhile), the running config stays in force");
        assertThat(AnnounceMember.changeNeedingRestart(before, announcing("lb-2", "10.0.0.100/32", 500)))
                .startsWith("failover.node: changed, which needs a restart");
        assertThat(AnnounceMember.changeNeedingRestart(before, ConfigLoader.parse(BASE, "t.yaml")))
                .startsWith("failover.mode: changing between announce and pair (or a single node) needs a restart");
        assertThat(AnnounceMember.announces(before)).isTrue();
        assertThat(AnnounceMember.announces(ConfigLoader.parse(BASE, "t.yaml"))).isFalse();
    }
}
