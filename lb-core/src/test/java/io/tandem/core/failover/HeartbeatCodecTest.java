package io.tandem.core.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {

    static final byte[] KEY = HeartbeatCodec.parseKey("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    static final byte[] OTHER_KEY = HeartbeatCodec.parseKey("ff".repeat(32));
    static final Heartbeat HB = new Heartbeat(7, "lb-a", 150, 100, FailoverState.MASTER, true, 1_764_000_000_000L, 42);

    static ByteBuffer encode(HeartbeatCodec codec, Heartbeat hb) {
        ByteBuffer b = ByteBuffer.allocate(HeartbeatCodec.MAX_SIZE);
        codec.encode(hb, b);
        return b.flip();
    }

    // Every field survives the round trip under the same key.
    @Test
    void roundTrip() {
        HeartbeatCodec codec = new HeartbeatCodec(7, KEY);
        ByteBuffer b = encode(codec, HB);
        assertThat(b.remaining()).isEqualTo(26 + 4 + 32);
        assertThat(codec.decode(b)).isEqualTo(new HeartbeatCodec.Decoded(HB, null));
    }

    // The ready flag is bit 1 of the flags byte beside VIPs-held (bit 0): both survive, in every combination,
    // and the byte a decoder of an older release reads as VIPs-held is unchanged.
    @Test
    void readyFlagRoundTrips() {
        HeartbeatCodec codec = new HeartbeatCodec(7, KEY);
        for (boolean held : new boolean[] {false, true}) {
            for (boolean ready : new boolean[] {false, true}) {
                Heartbeat hb = new Heartbeat(7, "lb-b", 100, 20, FailoverState.BACKUP, held, 5, 9, ready);
                ByteBuffer b = encode(codec, hb);
                assertThat(b.get(6)).isEqualTo((byte) ((held ? 1 : 0) | (ready ? 2 : 0)));
                assertThat(codec.decode(b).heartbeat()).isEqualTo(hb);
            }
        }
    }

    // A packet signed with another key is dropped as bad-mac.
    @Test
    void wrongKeyIsBadMac() {
        ByteBuffer b = encode(new HeartbeatCodec(7, OTHER_KEY), HB);
        assertThat(new HeartbeatCodec(7, KEY).decode(b).rejection()).isEqualTo(Rejection.BAD_MAC);
    }

    // Changing any signed byte (here the priority) breaks the MAC.
    @Test
    void tamperedPriorityIsBadMac() {
        HeartbeatCodec codec = new HeartbeatCodec(7, KEY);
        ByteBuffer b = encode(codec, HB);
        b.put(5, (byte) 254);
        assertThat(codec.decode(b).rejection()).isEqualTo(Rejection.BAD_MAC);
    }

    // Another pair's cluster id is told apart from an attack.
    @Test
    void otherClusterIsCounted() {
        ByteBuffer b = encode(new HeartbeatCodec(8, OTHER_KEY), new Heartbeat(8, "x", 100, 100, FailoverState.MASTER,
                false, 1, 1));
        assertThat(new HeartbeatCodec(7, KEY).decode(b).rejection()).isEqualTo(Rejection.OTHER_CLUSTER);
    }

    // Truncated, oversized or foreign packets are malformed.
    @Test
    void malformedPackets() {
        HeartbeatCodec codec = new HeartbeatCodec(7, KEY);
        ByteBuffer b = encode(codec, HB);
        assertThat(codec.decode(b.duplicate().limit(b.limit() - 1)).rejection()).isEqualTo(Rejection.MALFORMED);
        assertThat(codec.decode(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".repeat(4).getBytes())).rejection())
                .isEqualTo(Rejection.MALFORMED);
        assertThat(codec.decode(ByteBuffer.allocate(0)).rejection()).isEqualTo(Rejection.MALFORMED);
    }

    // The key file must hold exactly 64 hex characters.
    @Test
    void keyParsing() {
        assertThat(HeartbeatCodec.parseKey("ab".repeat(32) + "\n")).hasSize(32);
        assertThatThrownBy(() -> HeartbeatCodec.parseKey("abc")).hasMessageContaining("64 hex characters");
    }

    // Replays: the same or an older sequence is refused; a restart (greater epoch) starts over; an older epoch never.
    @Test
    void replayGuard() {
        ReplayGuard g = new ReplayGuard();
        assertThat(g.accept(withEpochSeq(10, 5))).isTrue();
        assertThat(g.accept(withEpochSeq(10, 5))).isFalse();
        assertThat(g.accept(withEpochSeq(10, 4))).isFalse();
        assertThat(g.accept(withEpochSeq(10, 6))).isTrue();
        assertThat(g.accept(withEpochSeq(11, 1))).isTrue();
        assertThat(g.accept(withEpochSeq(10, 7))).isFalse();
        assertThat(g.accept(new Heartbeat(7, "lb-b", 100, 100, FailoverState.BACKUP, false, 1, 1))).isTrue();
    }

    static Heartbeat withEpochSeq(long epoch, long seq) {
        return new Heartbeat(7, "lb-a", 150, 100, FailoverState.MASTER, true, epoch, seq);
    }
}
