package io.tandem.config;

/**
 * Parses IPv4 and IPv6 address literals without name resolution (a config
 * check must never send a DNS query for a typo). Pure.
 */
final class IpLiteral {

    private IpLiteral() {}

    /** The address bytes (4 or 16), or null when {@code text} is not an address literal. */
    static byte[] parse(String text) {
        return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
    }

    static boolean isMulticast(String text) {
        byte[] a = parse(text);
        if (a == null) {
            return false;
        }
        return a.length == 4 ? (a[0] & 0xf0) == 0xe0 : (a[0] & 0xff) == 0xff;
    }

    private static byte[] parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("\\d{1,3}")) {
                return null;
            }
            int v = Integer.parseInt(parts[i]);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        int[] h = groups(head);
        int[] t = groups(tail);
        if (h == null || t == null) {
            return null;
        }
        int total = h.length + t.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < h.length; i++) {
            out[2 * i] = (byte) (h[i] >> 8);
            out[2 * i + 1] = (byte) h[i];
        }
        for (int i = 0; i < t.length; i++) {
            int at = 8 - t.length + i;
            out[2 * at] = (byte) (t[i] >> 8);
            out[2 * at + 1] = (byte) t[i];
        }
        return out;
    }

    /** 16-bit groups of one side of {@code ::}; a trailing dotted IPv4 counts as two groups. */
    private static int[] groups(String side) {
        if (side.isEmpty()) {
            return new int[0];
        }
        String[] parts = side.split(":", -1);
        int lastDots = parts[parts.length - 1].indexOf('.');
        int count = parts.length + (lastDots >= 0 ? 1 : 0);
        int[] out = new int[count];
        for (int i = 0; i < parts.length; i++) {
            if (i == parts.length - 1 && lastDots >= 0) {
                byte[] v4 = parseV4(parts[i]);
                if (v4 == null) {
                    return null;
                }
                out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
            } else if (parts[i].matches("[0-9a-fA-F]{1,4}")) {
                out[i] = Integer.parseInt(parts[i], 16);
            } else {
                return null;
            }
        }
        return out;
    }
}
