package io.tandem.core.cache;

import java.util.List;

/**
 * Whether a request is looked up in the cache or passes it (Varnish's
 * builtin {@code vcl_recv}): only GET and HEAD are looked up; a request with
 * {@code Authorization}, a body, an upgrade, or a cookie the cache does not
 * ignore passes to the backend and its answer is not stored. A request's
 * {@code Cache-Control} is not obeyed, as in Varnish: a client's reload does
 * not empty the cache for everyone. Stateless.
 */
public final class RequestRules {

    private RequestRules() {}

    /**
     * Why the request passes the cache, or null when it is looked up.
     *
     * @param cookie the request's {@code Cookie} after the ignored cookies were removed, or null
     */
    public static String passReason(String method, boolean authorization, boolean body, boolean upgrade,
                                    String cookie) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return "method " + method;
        }
        if (authorization) {
            return "Authorization";
        }
        if (cookie != null) {
            return "Cookie";
        }
        if (body) {
            return "request body";
        }
        return upgrade ? "Upgrade" : null;
    }

    /** Whether a response to an unsafe request invalidates the stored URL (RFC 9111 section 4.4: non-error). */
    public static boolean invalidates(String method, int status) {
        boolean unsafe = switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE" -> false;
            default -> true;
        };
        return unsafe && status >= 200 && status < 400;
    }

    /** Cookie names a cache ignores: they neither make a request pass nor reach the backend on a lookup. */
    public static final class CookieFilter {

        private final List<String> names;
        private final boolean all;

        public CookieFilter(List<String> names) {
            this.names = List.copyOf(names);
            this.all = names.contains("*");
        }

        /**
         * The {@code Cookie} value without the ignored cookies, or null when
         * none is left; {@code header} itself when nothing was removed.
         */
        public String strip(String header) {
            if (header == null || all) {
                return null;
            }
            if (names.isEmpty()) {
                return header.isBlank() ? null : header;
            }
            StringBuilder kept = null;
            int start = 0;
            boolean removed = false;
            while (start <= header.length()) {
                int end = header.indexOf(';', start);
                if (end < 0) {
                    end = header.length();
                }
                String pair = header.substring(start, end).strip();
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    String name = (eq < 0 ? pair : pair.substring(0, eq)).strip();
                    if (names.contains(name)) {
                        removed = true;
                    } else {
                        if (kept == null) {
                            kept = new StringBuilder(header.length());
                        } else {
                            kept.append("; ");
                        }
                        kept.append(pair);
                    }
                }
                start = end + 1;
            }
            if (kept == null) {
                return null;
            }
            return removed ? kept.toString() : header;
        }
    }
}
