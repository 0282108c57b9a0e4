package io.tandem.config;

/**
 * The key that {@code consistent-hash} hashes: the client's address, a request
 * header, or a cookie.
 *
 * @param name header or cookie name; null for {@link Source#SOURCE_IP}
 */
public record HashOn(Source source, String name) {

    public enum Source { SOURCE_IP, HEADER, COOKIE }

    /** Parses {@code source-ip}, {@code header:NAME} or {@code cookie:NAME}. */
    public static HashOn parse(String text) {
        String expected = "expected source-ip, header:NAME or cookie:NAME";
        if ("source-ip".equals(text)) {
            return new HashOn(Source.SOURCE_IP, null);
        }
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon > 0 && colon < text.length() - 1) {
            String kind = text.substring(0, colon);
            String name = text.substring(colon + 1).trim();
            if (kind.equals("header")) {
                return new HashOn(Source.HEADER, name);
            }
            if (kind.equals("cookie")) {
                return new HashOn(Source.COOKIE, name);
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a hash key; " + expected);
    }

    @Override
    public String toString() {
        return source == Source.SOURCE_IP ? "source-ip" : (source == Source.HEADER ? "header:" : "cookie:") + name;
    }
}
