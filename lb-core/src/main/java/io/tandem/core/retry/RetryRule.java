package io.tandem.core.retry;

/**
 * Whether a request whose attempt failed goes again, and where; otherwise
 * what the client is told. A pure function of {@link FailedAttempt}: no I/O,
 * no clock, safe from any thread.
 *
 * <p>The rules (DESIGN.md, "Errors users see"; docs/architecture.md, "Retries"):
 * <ol>
 *   <li>A response under way cannot be taken back: when its backend closes or
 *       stalls, the client connection closes.
 *   <li>A response timeout is never retried (the request may be under way): 504.
 *   <li>Request body bytes that went out are gone (streamed, not kept), and a
 *       complete upgrade request may have begun a switch: 502.
 *   <li>A request the backend may have received (its head was written) goes
 *       again only if it is idempotent, or if the connection was a stale pooled one
 *       (then the backend never saw it).
 *   <li>It goes to another untried backend taking requests while the pool's
 *       {@code retries} allow one; a stale connection of a sticky request stays
 *       with its backend instead.
 *   <li>Otherwise a stale connection goes once more to the same backend on a
 *       new connection, as HAProxy does, if that backend still takes requests.
 *   <li>Otherwise 504 if the last failure was a connect timeout, 502 if not.
 * </ol>
 */
public final class RetryRule {

    private RetryRule() {}

    public static RetryDecision decide(FailedAttempt a) {
        switch (a.failure()) {
            case CLOSED_MID_RESPONSE:
            case STALLED_MID_RESPONSE:
                return RetryDecision.CLOSE_CLIENT;
            case RESPONSE_TIMEOUT:
                return RetryDecision.GATEWAY_TIMEOUT_RESPONSE;
            case CLOSED_BEFORE_RESPONSE:
                if (a.bodySent() || a.upgradeSent()) {
                    return RetryDecision.BAD_GATEWAY_CLOSED;
                }
                if (a.headWritten() && !a.staleConnection() && !a.idempotent()) {
                    return RetryDecision.BAD_GATEWAY_CLOSED;
                }
                break;
            default:
                break;
        }
        boolean stale = a.staleConnection();
        if (!(stale && a.stickyRouted()) && a.backendsTried() <= a.retries() && a.untriedBackendLive()) {
            return RetryDecision.ANOTHER_BACKEND;
        }
        if (stale && a.sameBackendLive()) {
            return RetryDecision.SAME_BACKEND_NEW_CONNECTION;
        }
        return exhausted(a.failure());
    }

    /** The answer when no backend is left to try after {@code last}: 504 after a connect timeout, else 502. */
    public static RetryDecision exhausted(AttemptFailure last) {
        return last == AttemptFailure.CONNECT_TIMEOUT ? RetryDecision.GATEWAY_TIMEOUT_CONNECT
                : RetryDecision.BAD_GATEWAY_UNREACHABLE;
    }
}
