package io.tandem.server.proxy;

/** Finds one cookie in a Cookie header without decoding the others. */
final class Cookies {

    private Cookies() {}

    /** The value of cookie {@code name} in a {@code Cookie} header value, or null. */
    static CharSequence find(String header, CharSequence name) {
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
                return header.substring(start, stop);
            }
            i = end + 1;
        }
        return null;
    }
}
