package io.tandem.config;

import java.util.List;

/**
 * How a route changes requests on their way to the backend and responses on
 * their way back.
 *
 * @param pathFrom        the path prefix replaced, or null to leave paths alone
 * @param pathTo          what replaces it; with {@code strip}, the rest of the path keeps a leading {@code /}
 * @param strip           {@code strip-prefix} (as opposed to {@code replace-prefix})
 * @param requestHeaders  edits of the request headers, in order, after the forwarding headers are set
 * @param responseHeaders edits of the response headers, in order, after the proxy's own
 */
public record RewriteConfig(String pathFrom, String pathTo, boolean strip, List<HeaderEdit> requestHeaders,
                            List<HeaderEdit> responseHeaders) {

    /** Changes nothing. */
    public static final RewriteConfig NONE = new RewriteConfig(null, null, false, List.of(), List.of());

    public RewriteConfig {
        requestHeaders = List.copyOf(requestHeaders);
        responseHeaders = List.copyOf(responseHeaders);
    }

    /** One header edit: set (replace every value), add (one more value) or remove; value is null for remove. */
    public record HeaderEdit(Action action, String name, Template value) {

        public enum Action { SET, ADD, REMOVE }
    }
}
