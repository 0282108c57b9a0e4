package io.tandem.core.failover;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encodes heartbeats and decodes received ones, authenticated with HMAC-SHA256 under the pair key.
 *
 * <p>Layout (big endian): magic {@code "TH"}, version 1, cluster id, state, priority, flags (bit 0: VIPs
 * held, bit 1: ready), name length, interval in ms (u16), boot epoch (u64), sequence (u64), node name
 * (UTF-8), then the 32-byte MAC over everything before it. A decoder ignores flag bits it does not know,
 * so a new flag needs no new version (a peer of an older release reads the heartbeat as before). The cluster id is checked before the MAC so that a second pair
 * on the same network, with its own key, is counted as {@code other-cluster} rather than as an attack.
 *
 * <p>Not thread-safe (it keeps one {@link Mac}): owned by the heartbeat thread.
 */
public final class HeartbeatCodec {

    public static final int MAX_SIZE = 26 + 64 + 32;
    private static final int HEADER = 26;
    private static final int MAC_SIZE = 32;
    private static final short MAGIC = 0x5448;
    private static final int VERSION = 1;

    private final int clusterId;
    private final Mac mac;
    private final byte[] expected = new byte[MAC_SIZE];

    public HeartbeatCodec(int clusterId, byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the pair key must be 32 bytes, got " + key.length);
        }
        this.clusterId = clusterId;
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The key of a pair key file's text: 64 hex characters, surrounding whitespace ignored. */
    public static byte[] parseKey(String text) {
        String hex = text.strip();
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("expected 64 hex characters (openssl rand -hex 32)");
        }
        return HexFormat.of().parseHex(hex);
    }

    /** Writes {@code hb} with its MAC at {@code out}'s position; {@code out} needs {@link #MAX_SIZE} bytes. */
    public void encode(Heartbeat hb, ByteBuffer out) {
        byte[] name = hb.node().getBytes(StandardCharsets.UTF_8);
        if (name.length > 64) {
            throw new IllegalArgumentException("node name longer than 64 bytes: " + hb.node());
        }
        int start = out.position();
        out.putShort(MAGIC).put((byte) VERSION).put((byte) hb.clusterId()).put((byte) hb.state().code())
                .put((byte) hb.priority()).put((byte) ((hb.vipsHeld() ? 1 : 0) | (hb.ready() ? 2 : 0))).put((byte) name.length)
                .putShort((short) Math.min(hb.advertIntervalMillis(), 0xffff))
                .putLong(hb.bootEpoch()).putLong(hb.sequence()).put(name);
        ByteBuffer signed = out.duplicate().position(start).limit(out.position());
        mac.update(signed);
        out.put(mac.doFinal());
    }

    /** Decodes the packet between {@code in}'s position and limit. */
    public Decoded decode(ByteBuffer in) {
        int start = in.position();
        int length = in.remaining();
        if (length < HEADER + 1 + MAC_SIZE || in.getShort(start) != MAGIC || in.get(start + 2) != VERSION) {
            return Decoded.rejected(Rejection.MALFORMED);
        }
        int nameLength = in.get(start + 7) & 0xff;
        if (nameLength == 0 || nameLength > 64 || length != HEADER + nameLength + MAC_SIZE) {
            return Decoded.rejected(Rejection.MALFORMED);
        }
        if ((in.get(start + 3) & 0xff) != clusterId) {
            return Decoded.rejected(Rejection.OTHER_CLUSTER);
        }
        int signedLength = HEADER + nameLength;
        mac.update(in.duplicate().position(start).limit(start + signedLength));
        try {
            mac.doFinal(expected, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        byte[] received = new byte[MAC_SIZE];
        in.get(start + signedLength, received);
        if (!MessageDigest.isEqual(expected, received)) {
            return Decoded.rejected(Rejection.BAD_MAC);
        }
        FailoverState state = FailoverState.ofCode(in.get(start + 4));
        if (state == null) {
            return Decoded.rejected(Rejection.MALFORMED);
        }
        byte[] name = new byte[nameLength];
        in.get(start + HEADER, name);
        return Decoded.accepted(new Heartbeat(clusterId, new String(name, StandardCharsets.UTF_8),
                in.get(start + 5) & 0xff, in.getShort(start + 8) & 0xffff, state, (in.get(start + 6) & 1) != 0,
                in.getLong(start + 10), in.getLong(start + 18), (in.get(start + 6) & 2) != 0));
    }

    /** A decoded heartbeat, or why the packet was dropped. */
    public record Decoded(Heartbeat heartbeat, Rejection rejection) {
        static Decoded accepted(Heartbeat hb) {
            return new Decoded(hb, null);
        }

        static Decoded rejected(Rejection why) {
            return new Decoded(null, why);
        }
    }
}
