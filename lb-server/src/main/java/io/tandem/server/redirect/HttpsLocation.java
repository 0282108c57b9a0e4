package io.tandem.server.redirect;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The {@code Location} of a redirect from plain HTTP to the same resource over
 * https: {@code https://HOST[:PORT]/path?query}, the host taken from the
 * request's Host header (its port dropped), the port left out when it is 443.
 * The Host is checked, so a client cannot make Tandem send it elsewhere with
 * a Host holding a path, a user or control characters. Stateless.
 */
final class HttpsLocation {

    private HttpsLocation() {}

    /**
     * The https URL for a request, or null when its Host or request-target is not fit to redirect.
     *
     * @param host      the Host header, or null
     * @param target    the request-target: origin form ({@code /a?b}) or absolute form
     * @param httpsPort the port of the TLS listener
     */
    static String of(String host, String target, int httpsPort) {
        String name = hostName(host);
        String path = path(target);
        if (name == null || path == null) {
            return null;
        }
        return "https://" + name + (httpsPort == 443 ? "" : ":" + httpsPort) + path;
    }

    /** The host of a Host header without its port; null unless a DNS name, an IPv4 or a bracketed IPv6 address. */
    static String hostName(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String name;
        String port;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) {
                return null;
            }
            name = host.substring(0, close + 1);
            port = host.substring(close + 1);
            if (!name.matches("\\[[0-9A-Fa-f:.]+\\]")) {
                return null;
            }
        } else {
            int colon = host.indexOf(':');
            name = colon < 0 ? host : host.substring(0, colon);
            port = colon < 0 ? "" : host.substring(colon);
            if (!name.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?") || name.length() > 253) {
                return null;
            }
        }
        return port.isEmpty() || port.matches(":[0-9]{1,5}") ? name : null;
    }

    /** The path and query of a request-target; null for the asterisk or authority forms and broken targets. */
    private static String path(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        try {
            URI uri = new URI(target);
            if (!uri.isAbsolute() || uri.getRawAuthority() == null) {
                return null;
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
