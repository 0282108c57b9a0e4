package io.tandem.core.retry;

/** What to do after a failed attempt ({@link RetryRule#decide}). */
public enum RetryDecision {
    /** Send the request to a backend this request has not tried yet. */
    ANOTHER_BACKEND(0),
    /**
     * Send it to the same backend once more, on a new connection: a pooled
     * keep-alive connection turned out closed by the backend before it had the request.
     */
    SAME_BACKEND_NEW_CONNECTION(0),
    /** 502: the backend closed the connection before answering, and the request cannot go again. */
    BAD_GATEWAY_CLOSED(502),
    /** 502: no backend that may still be tried could be reached. */
    BAD_GATEWAY_UNREACHABLE(502),
    /** 504: the last backend tried did not accept a connection in time, and none is left. */
    GATEWAY_TIMEOUT_CONNECT(504),
    /** 504: the backend did not answer in time (never retried: the request may be under way). */
    GATEWAY_TIMEOUT_RESPONSE(504),
    /** Part of the response is with the client already: only closing its connection tells it. */
    CLOSE_CLIENT(0);

    private final int status;

    RetryDecision(int status) {
        this.status = status;
    }

    /** The status the client gets now, or 0 when the request goes again or the client connection closes. */
    public int status() {
        return status;
    }

    /** Whether the request is sent again. */
    public boolean retries() {
        return this == ANOTHER_BACKEND || this == SAME_BACKEND_NEW_CONNECTION;
    }
}
