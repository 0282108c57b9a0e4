package io.tandem.core.retry;

/**
 * The facts of one failed attempt that decide whether its request goes again.
 *
 * @param failure            what ended the attempt
 * @param headWritten        the request head was handed to the backend's socket
 * @param reusedConnection   the attempt used a pooled keep-alive connection
 * @param staleRetried       this request already went once more to a backend after a stale
 *                           pooled connection; a second stale one is a plain failure
 * @param bodySent           request body bytes went to the backend (they are streamed, not kept)
 * @param idempotent         the method is GET, HEAD, OPTIONS, PUT, DELETE or TRACE
 * @param upgradeSent        a complete upgrade request (WebSocket, h2c) was written: the
 *                           backend may have begun to switch
 * @param stickyRouted       the client's sticky cookie chose this backend
 * @param backendsTried      distinct backends tried so far, this one included
 * @param retries            the pool's {@code retries}: backends tried after the first, at most
 * @param untriedBackendLive the pool has a backend taking requests that this request has not tried
 * @param sameBackendLive    the backend of this attempt still takes requests (not drained, down or removed)
 */
public record FailedAttempt(AttemptFailure failure, boolean headWritten, boolean reusedConnection,
                            boolean staleRetried, boolean bodySent, boolean idempotent, boolean upgradeSent,
                            boolean stickyRouted, int backendsTried, int retries, boolean untriedBackendLive,
                            boolean sameBackendLive) {

    /**
     * A pooled keep-alive connection the backend had closed while it idled:
     * the request never reached the backend, and the loss says nothing about
     * the backend's health (it is not counted as a failure). Only once per request.
     */
    public boolean staleConnection() {
        return failure == AttemptFailure.CLOSED_BEFORE_RESPONSE && reusedConnection && !staleRetried && !bodySent;
    }
}
