package io.tandem.server.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The frames of one state-sync connection: a 4-byte length, a JSON payload,
 * and an HMAC-SHA256 under the pair key over the connection's nonce (16
 * random bytes the receiving node chose for it), the frame's number in its
 * direction, its direction, and the payload. A frame recorded on another
 * connection, or replayed, reordered or turned around on this one, fails the
 * check and ends the connection. Not thread-safe: one per connection side.
 */
final class SyncFrames {

    static final int MAX_PAYLOAD = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataInputStream in;
    private final DataOutputStream out;
    private final Mac mac;
    private byte[] nonce = new byte[16];
    private long sent;
    private long received;
    private final byte sendDirection;
    private final byte receiveDirection;

    /** @param pusher whether this side pushes updates (the other side acknowledges) */
    SyncFrames(DataInputStream in, DataOutputStream out, byte[] key, boolean pusher) {
        this.in = in;
        this.out = out;
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
        this.sendDirection = pusher ? (byte) 'P' : (byte) 'A';
        this.receiveDirection = pusher ? (byte) 'A' : (byte) 'P';
    }

    /** From the hello on, frames are bound to this connection's nonce. */
    void nonce(byte[] connectionNonce) {
        this.nonce = connectionNonce.clone();
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    void send(ObjectNode frame) throws IOException {
        byte[] payload = JSON.writeValueAsBytes(frame);
        byte[] tag = tag(sendDirection, sent++, payload);
        out.writeInt(payload.length);
        out.write(payload);
        out.write(tag);
        out.flush();
    }

    JsonNode receive() throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IOException("frame of " + length + " bytes");
        }
        byte[] payload = in.readNBytes(length);
        byte[] tag = in.readNBytes(32);
        if (payload.length != length || tag.length != 32) {
            throw new IOException("connection closed inside a frame");
        }
        if (!MessageDigest.isEqual(tag, tag(receiveDirection, received++, payload))) {
            throw new IOException("a frame failed authentication (another pair key, or tampered with)");
        }
        return JSON.readTree(payload);
    }

    private byte[] tag(byte direction, long number, byte[] payload) {
        mac.update(nonce);
        mac.update(ByteBuffer.allocate(9).putLong(number).put(direction).array());
        return mac.doFinal(payload);
    }
}
