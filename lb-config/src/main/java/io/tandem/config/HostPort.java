package io.tandem.config;

import java.net.InetSocketAddress;

/**
 * A {@code host:port} pair as written in the config: {@code 10.0.0.1:80},
 * {@code [::1]:8080}, {@code example.com:80}, or {@code *:80} for every address.
 */
public record HostPort(String host, int port) {

    /** The wildcard host, written {@code *} in the config. */
    public static final String ANY = "*";

    /**
     * Parses {@code text}; throws {@link IllegalArgumentException} with a message
     * that says what is expected.
     */
    public static HostPort parse(String text) {
        String expected = "expected host:port such as 10.0.0.11:80, [::1]:8080 or *:80";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty; " + expected);
        }
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not a valid address; " + expected);
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' has no port; " + expected);
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + text + "' has no valid host; " + expected);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid port; " + expected);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 1-65535");
        }
        return new HostPort(host, port);
    }

    public boolean isWildcard() {
        return ANY.equals(host);
    }

    /** An unresolved socket address; the wildcard becomes the any-address. */
    public InetSocketAddress toSocketAddress() {
        return isWildcard() ? new InetSocketAddress(port) : InetSocketAddress.createUnresolved(host, port);
    }

    /** A resolved socket address (resolves names once, at bind or connect time). */
    public InetSocketAddress resolve() {
        return isWildcard() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
