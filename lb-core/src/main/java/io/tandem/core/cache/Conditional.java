package io.tandem.core.cache;

/**
 * Whether a client's conditional GET or HEAD is answered 304 from a stored
 * response (RFC 9110 section 13.2.2): {@code If-None-Match} (weak comparison)
 * decides when present, else {@code If-Modified-Since} against
 * {@code Last-Modified}. Stateless.
 */
public final class Conditional {

    private Conditional() {}

    /** Null arguments are absent headers. */
    public static boolean notModified(String ifNoneMatch, String ifModifiedSince, String etag,
                                      String lastModified) {
        if (ifNoneMatch != null) {
            if (etag == null) {
                return ifNoneMatch.strip().equals("*");
            }
            String mine = opaque(etag);
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.strip();
                if (t.equals("*") || opaque(t).equals(mine)) {
                    return true;
                }
            }
            return false;
        }
        if (ifModifiedSince == null || lastModified == null) {
            return false;
        }
        Long since = StoreRules.httpDate(ifModifiedSince);
        Long modified = StoreRules.httpDate(lastModified);
        return since != null && modified != null && modified <= since;
    }

    /** The tag without a weak prefix: the weak comparison. */
    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }
}
