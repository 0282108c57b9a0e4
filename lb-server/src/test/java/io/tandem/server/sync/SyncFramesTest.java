package io.tandem.server.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyncFramesTest {

    private static final byte[] KEY = new byte[32];
    private static final byte[] NONCE = "0123456789abcdef".getBytes();

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();

    private SyncFrames pusher() {
        SyncFrames f = new SyncFrames(new DataInputStream(new ByteArrayInputStream(new byte[0])),
                new DataOutputStream(wire), KEY, true);
        f.nonce(NONCE);
        return f;
    }

    private SyncFrames receiver(byte[] bytes, byte[] key, byte[] nonce) {
        SyncFrames f = new SyncFrames(new DataInputStream(new ByteArrayInputStream(bytes)),
                new DataOutputStream(new ByteArrayOutputStream()), key, false);
        f.nonce(nonce);
        return f;
    }

    // Frames read back in order under the same key and nonce.
    @Test
    void roundTrip() throws IOException {
        SyncFrames out = pusher();
        out.send(SyncFrames.object().put("type", "update").put("seq", 1));
        out.send(SyncFrames.object().put("type", "update").put("seq", 2));
        SyncFrames in = receiver(wire.toByteArray(), KEY, NONCE);
        assertThat(in.receive().path("seq").asLong()).isEqualTo(1);
        assertThat(in.receive().path("seq").asLong()).isEqualTo(2);
    }

    // A flipped payload byte, another pair's key, another connection's nonce, a replayed frame:
    // each fails authentication.
    @Test
    void tamperedForeignOrReplayedFramesFail() throws IOException {
        pusher().send(SyncFrames.object().put("type", "update").put("seq", 1));
        byte[] frame = wire.toByteArray();

        byte[] flipped = frame.clone();
        flipped[6] ^= 1;
        assertThatThrownBy(() -> receiver(flipped, KEY, NONCE).receive())
                .hasMessage("a frame failed authentication (another pair key, or tampered with)");
        byte[] otherKey = KEY.clone();
        otherKey[0] = 8;
        assertThatThrownBy(() -> receiver(frame, otherKey, NONCE).receive())
                .hasMessage("a frame failed authentication (another pair key, or tampered with)");
        assertThatThrownBy(() -> receiver(frame, KEY, "fedcba9876543210".getBytes()).receive())
                .hasMessage("a frame failed authentication (another pair key, or tampered with)");
        byte[] twice = new byte[frame.length * 2];
        System.arraycopy(frame, 0, twice, 0, frame.length);
        System.arraycopy(frame, 0, twice, frame.length, frame.length);
        SyncFrames in = receiver(twice, KEY, NONCE);
        assertThat(in.receive().path("seq").asLong()).isEqualTo(1);
        assertThatThrownBy(in::receive)
                .hasMessage("a frame failed authentication (another pair key, or tampered with)");
    }
}
