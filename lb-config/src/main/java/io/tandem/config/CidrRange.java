package io.tandem.config;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8},
 * {@code ::1/128}), matched against raw address bytes: an IPv4 range only
 * contains IPv4 addresses and an IPv6 range only IPv6 ones. Immutable.
 *
 * @param network the range's address bytes (4 or 16), host bits cleared
 * @param prefix  how many leading bits an address must share with {@code network}
 */
public record CidrRange(byte[] network, int prefix) {

    public CidrRange {
        network = network.clone();
    }

    /** The range's address bytes, a copy. */
    @Override
    public byte[] network() {
        return network.clone();
    }

    /**
     * Parses {@code text}; the message of the {@link IllegalArgumentException}
     * says what is wrong, as a config problem shows it.
     */
    public static CidrRange parse(String text) {
        String expected = "expected an address range such as 10.0.0.0/8 or fd00::/8";
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' has no prefix length; " + expected
                    + " (/32 or /128 for one address)");
        }
        byte[] address = IpLiteral.parse(text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address with prefix length; " + expected);
        }
        int max = address.length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid prefix length; " + expected);
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("prefix length " + prefix + " of '" + text + "' is out of range; "
                    + "expected 0-" + max);
        }
        // Host bits set (10.1.2.3/8) are cleared, as ip(8) and HAProxy read such a range.
        byte[] network = address.clone();
        for (int bit = prefix; bit < max; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new CidrRange(network, prefix);
    }

    /**
     * Whether {@code address} (4 or 16 bytes) lies in this range. An
     * IPv4-mapped IPv6 address (::ffff:10.0.0.1, as a dual-stack socket may
     * report an IPv4 peer) is matched as the IPv4 address it is.
     */
    public boolean contains(byte[] address) {
        if (address.length == 16 && network.length == 4 && isV4Mapped(address)) {
            return contains(Arrays.copyOfRange(address, 12, 16));
        }
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff00 >>> rest) & 0xff;
        return (address[full] & mask) == (network[full] & 0xff);
    }

    private static boolean isV4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrRange && ((CidrRange) o).prefix == prefix
                && Arrays.equals(((CidrRange) o).network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if (network.length == 4) {
            for (int i = 0; i < 4; i++) {
                s.append(i == 0 ? "" : ".").append(network[i] & 0xff);
            }
        } else {
            for (int i = 0; i < 16; i += 2) {
                s.append(i == 0 ? "" : ":").append(Integer.toHexString(((network[i] & 0xff) << 8)
                        | (network[i + 1] & 0xff)));
            }
        }
        return s.append('/').append(prefix).toString();
    }
}
