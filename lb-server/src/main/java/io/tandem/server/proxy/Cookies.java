package io.tandem.server.proxy;

/** Finds one cookie in a Cookie header without decoding the others, and without copying it. */
final class Cookies {

    private Cookies() {}

    /**
     * A cookie value as a window on its header, so reading a cookie for a
     * pick allocates nothing. One per connection, reused for every lookup:
     * valid until the next one. Confined to the connection's event loop.
     */
    static final class Value implements CharSequence {
        private String header = "";
        private int start;
        private int end;

        private Value set(String header, int start, int end) {
            this.header = header;
            this.start = start;
            this.end = end;
            return this;
        }

        @Override
        public int length() {
            return end - start;
        }

        @Override
        public char charAt(int index) {
            return header.charAt(start + index);
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return header.substring(start + from, start + to);
        }

        @Override
        public String toString() {
            return header.substring(start, end);
        }
    }

    /** The value of cookie {@code name} in a {@code Cookie} header value, as {@code into}, or null. */
    static CharSequence find(String header, CharSequence name, Value into) {
        int n = name.length();
        int i = 0;
        int len = header.length();
        while (i < len) {
            while (i < len && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = len;
            }
            if (end - i > n && header.charAt(i + n) == '=' && header.regionMatches(i, name.toString(), 0, n)) {
                int start = i + n + 1;
                int stop = end;
                if (stop - start >= 2 && header.charAt(start) == '"' && header.charAt(stop - 1) == '"') {
                    start++;
                    stop--;
                }
                return into.set(header, start, stop);
            }
            i = end + 1;
        }
        return null;
    }
}
